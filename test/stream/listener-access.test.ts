/**
 * Listening follows the accounts: the room's stream and its now-playing/skip/feedback routes need
 * a member's token or a listener link (`?lt=`), and a revoked link stops working at once.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { startTestApp, type TestApp } from '../helpers/app.js';

let server: TestApp;
before(async () => {
  server = await startTestApp({ ALLOW_ANONYMOUS_ROOMS: 'false', MEDIASOUP_WORKERS: '1' });
});
after(async () => server?.close());

test('stream routes need a member or a listener link; revoking the link closes it', async () => {
  const inject = server.app.inject.bind(server.app);
  const signup = await inject({
    method: 'POST',
    url: '/api/auth/signup',
    payload: { email: `o-${Date.now()}@example.org`, password: 'correct horse battery staple', displayName: 'Owner' },
  });
  const { accessToken } = signup.json() as { accessToken: string };
  const auth = { authorization: `Bearer ${accessToken}` };
  const roomId = (
    (await inject({ method: 'POST', url: '/api/rooms', headers: auth, payload: { name: 'Lounge' } })).json() as { id: string }
  ).id;
  const link = (
    await inject({ method: 'POST', url: `/api/rooms/${roomId}/listener-links`, headers: auth, payload: { label: 'TV' } })
  ).json() as { id: string; token: string; url: string; playlistUrl: string };
  assert.equal(link.url, `/listen/${roomId}?lt=${link.token}`);

  const nowPlaying = (query = '', headers = {}) => inject({ method: 'GET', url: `/api/rooms/${roomId}/now-playing${query}`, headers });
  assert.equal((await nowPlaying()).statusCode, 401);
  assert.equal((await nowPlaying('?lt=not-a-real-link-token-000000000000')).statusCode, 403);
  assert.equal((await nowPlaying(`?lt=${link.token}`)).statusCode, 200);
  assert.equal((await nowPlaying('', auth)).statusCode, 200);
  assert.equal((await inject({ method: 'GET', url: `/stream/${roomId}/live.m3u8` })).statusCode, 401);
  const feedback = await inject({ method: 'POST', url: `/api/rooms/${roomId}/feedback`, payload: { trackId: 'x', kind: 'like' } });
  assert.equal(feedback.statusCode, 401);

  assert.equal((await inject({ method: 'DELETE', url: `/api/rooms/${roomId}/listener-links/${link.id}`, headers: auth })).statusCode, 204);
  assert.equal((await nowPlaying(`?lt=${link.token}`)).statusCode, 403, 'a revoked link stops at once');
  assert.equal((await inject({ method: 'GET', url: `${link.playlistUrl}` })).statusCode, 403);
});
