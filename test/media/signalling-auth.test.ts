/**
 * Joining a room over signalling follows the accounts: a member's access token admits, a
 * non-member, a tampered token, an unknown room or no token (where anonymous rooms are off) are
 * refused with the documented codes; removing a member or closing the room evicts live peers.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { SignallingWs } from '../../bench/lib/ws-client.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { waitFor } from '../helpers/server-process.js';

let server: TestApp;
let wsUrl: string;

before(async () => {
  server = await startTestApp({ ALLOW_ANONYMOUS_ROOMS: 'false', MEDIASOUP_WORKERS: '1' });
  wsUrl = server.url.replace('http', 'ws') + '/ws';
});
after(async () => server?.close());

async function signUp(name: string): Promise<{ token: string; userId: string }> {
  const response = await server.app.inject({
    method: 'POST',
    url: '/api/auth/signup',
    payload: { email: `${name}-${Date.now()}@example.org`, password: 'correct horse battery staple', displayName: name },
  });
  assert.equal(response.statusCode, 201, response.body);
  const body = response.json() as { accessToken: string; user: { id: string } };
  return { token: body.accessToken, userId: body.user.id };
}

test('join needs a member’s token; the codes name the refusal', async () => {
  const owner = await signUp('owner');
  const stranger = await signUp('stranger');
  const created = await server.app.inject({
    method: 'POST',
    url: '/api/rooms',
    headers: { authorization: `Bearer ${owner.token}` },
    payload: { name: 'Kitchen' },
  });
  assert.equal(created.statusCode, 201, created.body);
  const roomId = (created.json() as { id: string }).id;

  const ws = await SignallingWs.connect(wsUrl);
  const code = async (data: Record<string, unknown>) => (await ws.call('join', data)).error?.code;
  assert.equal(await code({ roomId }), 'unauthorized');
  assert.equal(await code({ roomId, token: `${owner.token.slice(0, -3)}abc` }), 'unauthorized');
  assert.equal(await code({ roomId, token: stranger.token }), 'forbidden');
  assert.equal(await code({ roomId: '00000000-0000-4000-8000-000000000000', token: owner.token }), 'room-not-found');
  const joined = await ws.call('join', { roomId, token: owner.token });
  assert.equal(joined.ok, true, JSON.stringify(joined.error));
  assert.equal((joined.data as { role: string }).role, 'owner');

  // Closing the room evicts the live peer.
  const closed = await server.app.inject({
    method: 'POST',
    url: `/api/rooms/${roomId}/close`,
    headers: { authorization: `Bearer ${owner.token}` },
  });
  assert.equal(closed.statusCode, 204);
  await waitFor(() => ws.events.some((e) => e.event === 'removed') || undefined, 5000, 'a removed event');
  assert.equal((await ws.call('createWebRtcTransport', { direction: 'send' })).error?.code, 'not-joined');
  assert.equal(await code({ roomId, token: owner.token }), 'room-not-found', 'a closed room cannot be joined');
  await ws.close();
});
