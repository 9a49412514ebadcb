/**
 * Live events where anonymous rooms are allowed (kiosks, demos): watching needs no token, and
 * with no accounts the per-modality detail still reaches only the participant's own socket.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { SignallingWs } from '../../bench/lib/ws-client.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { waitFor } from '../helpers/server-process.js';

let server: TestApp;
const sockets: SignallingWs[] = [];

before(async () => {
  server = await startTestApp({ ALLOW_ANONYMOUS_ROOMS: 'true', MEDIASOUP_WORKERS: '1' });
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

test('anonymous room: a tokenless watcher and another participant get labels, the participant its own detail', async () => {
  const kiosk = await connect();
  const { participantId } = await kiosk.request<{ participantId: string }>('join', { roomId: 'kiosk', displayName: 'Kiosk' });
  const other = await connect();
  await other.request('join', { roomId: 'kiosk', displayName: 'Other' });
  const screen = await connect();
  const watched = await screen.request<{ members: { displayName: string }[]; recent: unknown[] }>('watch', { roomId: 'kiosk' });
  assert.deepEqual(watched.members.map((m) => m.displayName).sort(), ['Kiosk', 'Other']);
  assert.deepEqual(watched.recent, []);

  server.app.services.mood!.observe({
    roomId: 'kiosk',
    participantId,
    modality: 'voice',
    reading: { probabilities: [0, 0, 0, 0, 0.9, 0, 0.1], confidence: 0.8 },
  });
  const moodOf = (ws: SignallingWs) =>
    waitFor(
      () => ws.events.find((e) => e.event === 'participantMood')?.data as Record<string, unknown> | undefined,
      5000,
      'participantMood',
    );
  const own = await moodOf(kiosk);
  assert.equal((own.voice as number[]).length, 7);
  assert.equal(own.face, null);
  for (const ws of [other, screen]) {
    const e = await moodOf(ws);
    assert.equal(e.participantId, participantId);
    assert.equal('voice' in e || 'probabilities' in e || 'userId' in e, false, JSON.stringify(e));
  }
  // Having left, the kiosk's socket (still watching) no longer counts as that participant.
  assert.equal((await kiosk.call('watch', { roomId: 'kiosk' })).ok, true);
  await kiosk.request('leave');
  const before = kiosk.events.length;
  server.app.services.mood!.observe({
    roomId: 'kiosk',
    participantId,
    modality: 'voice',
    reading: { probabilities: [0, 0, 0, 0, 0.9, 0, 0.1], confidence: 0.8 },
  });
  const late = await waitFor(
    () => kiosk.events.slice(before).find((e) => e.event === 'participantMood')?.data as Record<string, unknown> | undefined,
    5000,
    'a later mood',
  );
  assert.equal('voice' in late, false, 'no detail once it is only a watcher');
  assert.equal((await screen.call('watch', { roomId: 'other-room' })).error?.code, 'already-watching');
});
