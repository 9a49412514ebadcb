/**
 * A room at its participant limit refuses one more join with signalling's 'room-full' (the
 * registry's RoomFullError, mapped by the session), and takes the next one once a place is free.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { SignallingWs } from '../../bench/lib/ws-client.js';
import { startTestApp, type TestApp } from '../helpers/app.js';

let server: TestApp;
const sockets: SignallingWs[] = [];

before(async () => {
  server = await startTestApp({ ALLOW_ANONYMOUS_ROOMS: 'true', MEDIASOUP_WORKERS: '1', ROOM_MAX_PARTICIPANTS: '1' });
});
after(async () => {
  await Promise.all(sockets.map((s) => s.close()));
  await server?.close();
});

async function connect(): Promise<SignallingWs> {
  const ws = await SignallingWs.connect(server.url.replace('http', 'ws') + '/ws');
  sockets.push(ws);
  return ws;
}

test('a full room answers room-full, and lets the next one in when a place is free', async () => {
  const first = await connect();
  await first.request('join', { roomId: 'small', displayName: 'First' });
  const second = await connect();
  const refused = await second.call('join', { roomId: 'small', displayName: 'Second' });
  assert.equal(refused.ok, false);
  assert.equal(refused.error?.code, 'room-full');
  assert.match(refused.error?.message ?? '', /has 1 participants, the maximum/);
  await first.request('leave');
  assert.equal((await second.call('join', { roomId: 'small', displayName: 'Second' })).ok, true);
});
