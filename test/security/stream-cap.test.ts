/**
 * Issue #15, finding 15 (streams): one account ran 20 concurrent room streams (40 ffmpeg processes)
 * because nothing bounded them. A server now runs at most STREAM_MAX_ROOMS streams at once; one
 * more room answers 503 with a plain reason, and a room that stopped frees its place.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { PlaylistTrackSource, toneTracks } from '../stream/fixtures.js';
import { startStreamApp, type StreamApp } from '../stream/stream-app.js';

let server: StreamApp;
before(async () => {
  server = await startStreamApp({ trackSource: new PlaylistTrackSource(toneTracks(2, 6)), maxStreams: 2, idleStopS: 600 });
});
after(async () => server?.close());

const playlist = (room: string) => fetch(`${server.url}/stream/${room}/live.m3u8`);

test('15: a server plays at most its limit of room streams; one more is a 503 with a reason, a stopped one frees its place', async () => {
  // Two rooms asked for at once: both start (the limit counts streams still starting).
  const [a, b] = await Promise.all([playlist('cap-a'), playlist('cap-b')]);
  assert.equal(a.status, 200, await a.text());
  assert.equal(b.status, 200, await b.text());

  const third = await playlist('cap-c');
  assert.equal(third.status, 503);
  assert.match(((await third.json()) as { error: string }).error, /already playing music for 2 rooms/);
  assert.equal(server.app.streams.roomIds.length, 2, 'no third stream (and no ffmpeg for it) was started');
  // A room that already streams keeps being served.
  assert.equal((await playlist('cap-a')).status, 200);

  await server.app.streams.stop('cap-b');
  const later = await playlist('cap-c');
  assert.equal(later.status, 200, await later.text());
});
