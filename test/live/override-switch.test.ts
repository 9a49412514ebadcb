/**
 * The whole override path on the real app with a real room stream (ffmpeg, tone tracks imported
 * into the library): a member joins, the room's stream plays; they pin a mood through
 * PUT /api/me/settings; the stream crossfades early to a new pick whose explanation names the
 * override, and the socket hears about it as a `nowPlaying` live event. A second override made
 * before the minimum dwell is over switches when the dwell ends (MUSIC_MIN_DWELL_S, short here).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';

import { SignallingWs } from '../../bench/lib/ws-client.js';
import { type RoomFixture, roomFixture } from '../accounts/fixtures.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { waitFor } from '../helpers/server-process.js';
import { toneTracks } from '../stream/fixtures.js';

const DWELL_S = 3;
let server: TestApp;
let f: RoomFixture;
let ws: SignallingWs | undefined;

before(async () => {
  server = await startTestApp({ ALLOW_ANONYMOUS_ROOMS: 'false', MEDIASOUP_WORKERS: '1', MUSIC_MIN_DWELL_S: String(DWELL_S) });
  f = await roomFixture(server.app);
  const form = new FormData();
  for (const track of toneTracks(3, 40))
    form.append('file', new Blob([new Uint8Array(fs.readFileSync(track.filePath))]), `${track.trackId}.flac`);
  const imported = await fetch(`${server.url}/api/music/import`, {
    method: 'POST',
    body: form,
    headers: { authorization: `Bearer ${f.owner.token}` },
  });
  assert.equal(imported.status, 201, await imported.clone().text());
});
after(async () => {
  await ws?.close();
  await server?.close();
});

type Data = Record<string, unknown>;

test('pinning a mood switches the room stream early to a pick that names it, announced live', { timeout: 120_000 }, async () => {
  ws = await SignallingWs.connect(server.url.replace('http', 'ws') + '/ws');
  await ws.request('join', { roomId: f.roomId, token: f.owner.token });
  const nowPlaying = () => ws!.events.filter((e) => e.event === 'nowPlaying').map((e) => e.data as Data);
  const first = await waitFor(() => nowPlaying()[0], 30_000, 'the first track, announced when audible');
  assert.match(String(first.explanation), /^the room seemed neutral \(0\.00\) → match: /);

  // The dwell is over: an override switches at once (no sustain needed).
  await sleep(Math.max(0, (first.startedAt as number) + DWELL_S * 1000 + 500 - Date.now()));
  const set = await server.app.inject({
    method: 'PUT',
    url: '/api/me/settings',
    headers: { authorization: `Bearer ${f.owner.token}` },
    payload: { moodOverride: { emotion: 'sad', minutes: 10 } },
  });
  assert.equal(set.statusCode, 200, set.body);
  const sad = await waitFor(
    () => nowPlaying().find((e) => /^you set your mood to sad \(until \d\d:\d\d UTC\) → match: /.test(String(e.explanation))),
    30_000,
    'a pick for the pinned mood',
  );
  assert.notEqual(sad.trackId, first.trackId);
  const stream = server.app.streams.get(f.roomId)!;
  assert.equal(
    stream.history.find((e) => e.track.trackId === sad.trackId)?.reason,
    'mood',
    'an early (mood) switch, not the end of the track',
  );

  // Pinned again right away: the new track has not played its minimum dwell, so the switch waits for it.
  const changedAt = Date.now();
  const again = await server.app.inject({
    method: 'PUT',
    url: '/api/me/settings',
    headers: { authorization: `Bearer ${f.owner.token}` },
    payload: { moodOverride: { emotion: 'happy', minutes: 10 } },
  });
  assert.equal(again.statusCode, 200);
  const happy = await waitFor(
    () => nowPlaying().find((e) => /^you set your mood to happy/.test(String(e.explanation))),
    30_000,
    'a pick for the second override',
  );
  assert.ok((happy.startedAt as number) >= (sad.startedAt as number) + DWELL_S * 1000, 'not before the minimum dwell');
  assert.ok(Date.now() - changedAt < 25_000);
  await ws.request('leave');
});
