/**
 * Two devices in one room play as one: two listener pages (each its own browser context, opened
 * a few seconds apart, as two phones would be) are within 100 ms of each other after 30 s,
 * measured in the pages on the stream's program-date clock (sync-probe.ts). Without the
 * wall-clock sync (`?nosync`), hls.js alone only keeps each "near the live edge": hundreds of
 * milliseconds apart (bench/RESULTS.md, `npm run bench:sync -- --nosync`).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../helpers/browser.js';
import { ensureClientBundle } from '../helpers/client-bundle.js';
import { PlaylistTrackSource } from '../../server/stream/track-source.js';
import { toneTracks } from '../stream/fixtures.js';
import { startStreamApp, type StreamApp } from '../stream/stream-app.js';
import { openListener, pairwiseOffsetsMs, percentile, readPlayer } from './sync-probe.js';

const ROOM = 'sync-room';
let server: StreamApp;
let browser: Browser;

before(async () => {
  ensureClientBundle();
  server = await startStreamApp({ trackSource: new PlaylistTrackSource(toneTracks(3, 12)) });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await server?.close();
});

test('two players of one room are within 100 ms of each other after 30 s', { timeout: 180_000 }, async () => {
  const first = await openListener(browser, server.url, ROOM);
  // The second device joins later, when the first is well into the stream.
  await new Promise((r) => setTimeout(r, 3000));
  const second = await openListener(browser, server.url, ROOM);
  await new Promise((r) => setTimeout(r, 30_000));

  const distances: number[] = [];
  for (let i = 0; i < 20; i++) {
    distances.push(...(await pairwiseOffsetsMs([first, second])));
    await new Promise((r) => setTimeout(r, 250));
  }
  const [a, b] = [await readPlayer(first), await readPlayer(second)];
  const summary = `distances ms: p50 ${percentile(distances, 50).toFixed(1)}, p95 ${percentile(distances, 95).toFixed(1)}, max ${Math.max(...distances).toFixed(1)} over ${distances.length} samples; players: ${JSON.stringify([a, b])}`;
  console.log(summary);
  assert.ok(distances.length >= 15, `too few readings: ${summary}`);
  assert.ok(percentile(distances, 50) <= 100, summary);
  // Both play on (the sync did not pause either), close to real time.
  for (const page of [first, second]) {
    const t0 = (await readPlayer(page))!.currentTime;
    await new Promise((r) => setTimeout(r, 2000));
    const t1 = (await readPlayer(page))!.currentTime;
    assert.ok(t1 - t0 > 1.6 && t1 - t0 < 2.4, `currentTime advanced ${t1 - t0} s in 2 s`);
  }
});
