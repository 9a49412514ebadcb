/**
 * The stream on the whole app (in process) with the real recommender: two tracks uploaded into
 * the music library, a room mood on the bus; the room's stream plays the recommender's pick with
 * its explanation, a mood switch crossfades to another pick, and likes reach the feedback table.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, test } from 'node:test';

import { eq } from 'drizzle-orm';

import { feedback } from '../../sql/schema.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { toneTracks } from './fixtures.js';

const ROOM = 'rec-room';
let t: TestApp;

before(async () => {
  t = await startTestApp({ MEDIASOUP_WORKERS: '1' });
  const signup = await fetch(`${t.url}/api/auth/signup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'listener@example.com', password: 'correct horse battery staple', displayName: 'L' }),
  });
  assert.equal(signup.status, 201, await signup.clone().text());
  const { accessToken } = (await signup.json()) as { accessToken: string };
  const form = new FormData();
  for (const track of toneTracks(2, 20))
    form.append('file', new Blob([new Uint8Array(fs.readFileSync(track.filePath))]), `${track.trackId}.flac`);
  const imported = await fetch(`${t.url}/api/music/import`, {
    method: 'POST',
    body: form,
    headers: { authorization: `Bearer ${accessToken}` },
  });
  assert.ok(imported.ok, await imported.clone().text());
});

after(async () => {
  await t?.close();
});

test("a room stream plays the recommender's picks, switches on a mood change, and stores likes", async () => {
  t.app.services.events.emit('roomMood', {
    roomId: ROOM,
    t: Date.now(),
    mood: {
      emotion: 'happy',
      confidence: 0.8,
      valence: 0.7,
      arousal: 0.4,
      members: 1,
      mean: { valence: 0.7, arousal: 0.4 },
      guardedFor: [],
    },
  });
  const playlist = await fetch(`${t.url}/stream/${ROOM}/live.m3u8`);
  assert.equal(playlist.status, 200, await playlist.clone().text());
  assert.match(await playlist.text(), /#EXTINF:/);

  const first = (await (await fetch(`${t.url}/api/rooms/${ROOM}/now-playing`)).json()) as {
    current: { track: { trackId: string; explanation: string }; reason: string };
  };
  assert.equal(first.current.reason, 'start');
  assert.match(first.current.track.explanation, /happy/, 'the explanation says why the track was picked');

  const switched = await t.app.streams.requestSwitch(ROOM, 'mood');
  const stream = t.app.streams.get(ROOM)!;
  const deadline = Date.now() + 15_000;
  while (!stream.history.some((e) => e.reason === 'mood')) {
    assert.ok(Date.now() < deadline, 'the mood switch never started');
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(stream.history.at(-1)!.track.trackId, switched.trackId);

  const like = await fetch(`${t.url}/api/rooms/${ROOM}/feedback`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ trackId: switched.trackId, kind: 'like', listenerId: 'tv-1' }),
  });
  assert.equal(like.status, 201, await like.clone().text());
  // A player's own id is stored namespaced (lid:), so it can never name a user (SECURITY.md, feedback identity).
  const rows = await t.app.services.database.db.select().from(feedback).where(eq(feedback.userId, 'lid:tv-1'));
  assert.deepEqual(
    rows.map((r) => [r.trackId, r.kind]),
    [[switched.trackId, 'like']],
  );
});
