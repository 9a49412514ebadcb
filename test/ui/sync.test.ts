/**
 * Two devices in one room play as one: two listener pages, and two room pages (each its own
 * browser context, opened a few seconds apart, as two phones would be) are within 100 ms of each other after 30 s,
 * measured in the pages on the stream's program-date clock (sync-probe.ts). Without the
 * wall-clock sync (`?nosync`), hls.js alone only keeps each "near the live edge": hundreds of
 * milliseconds apart (bench/RESULTS.md, `npm run bench:sync -- --nosync`).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import type { Browser, Page } from 'playwright-core';

import type { TestApp } from '../helpers/app.js';
import { launchChromium } from '../helpers/browser.js';
import { ensureClientBundle } from '../helpers/client-bundle.js';
import { PlaylistTrackSource, toneTracks } from '../stream/fixtures.js';
import { startStreamApp, type StreamApp } from '../stream/stream-app.js';
import { signedInContext, startUiApp, userWithRoom } from './fixtures.js';
import { openListener, pairwiseOffsetsMs, percentile, readPlayer, startPlaying } from './sync-probe.js';

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

/** After 30 s together: the pages' distance on the program-date clock, and both still playing in real time. */
async function assertInSync(pages: Page[]): Promise<void> {
  await new Promise((r) => setTimeout(r, 30_000));
  const distances: number[] = [];
  for (let i = 0; i < 20; i++) {
    distances.push(...(await pairwiseOffsetsMs(pages)));
    await new Promise((r) => setTimeout(r, 250));
  }
  const readings = await Promise.all(pages.map(readPlayer));
  const summary = `distances ms: p50 ${percentile(distances, 50).toFixed(1)}, p95 ${percentile(distances, 95).toFixed(1)}, max ${Math.max(...distances).toFixed(1)} over ${distances.length} samples; players: ${JSON.stringify(readings)}`;
  console.log(summary);
  assert.ok(distances.length >= 15, `too few readings: ${summary}`);
  assert.ok(percentile(distances, 50) <= 100, summary);
  // Both play on (the sync did not pause either), close to real time.
  for (const page of pages) {
    const t0 = (await readPlayer(page))!.currentTime;
    await new Promise((r) => setTimeout(r, 2000));
    const t1 = (await readPlayer(page))!.currentTime;
    assert.ok(t1 - t0 > 1.6 && t1 - t0 < 2.4, `currentTime advanced ${t1 - t0} s in 2 s`);
  }
}

test('two players of one room are within 100 ms of each other after 30 s', { timeout: 180_000 }, async () => {
  const first = await openListener(browser, server.url, ROOM);
  // The second device joins later, when the first is well into the stream.
  await new Promise((r) => setTimeout(r, 3000));
  const second = await openListener(browser, server.url, ROOM);
  await assertInSync([first, second]);
});

test('two room pages of one room (listen only, two devices) are within 100 ms of each other after 30 s', { timeout: 240_000 }, async () => {
  let app: TestApp | undefined;
  try {
    app = await startUiApp();
    const { session, roomId } = await userWithRoom(app, 'Sam', 'Kitchen');
    const openRoomPage = async () => {
      const page = await (await signedInContext(browser, app!, session, { width: 390, height: 844 })).newPage();
      await page.goto(`${app!.url}/room/${roomId}`);
      await page.getByRole('button', { name: 'Listen only' }).click();
      await startPlaying(page);
      return page;
    };
    const first = await openRoomPage();
    await new Promise((r) => setTimeout(r, 3000));
    const second = await openRoomPage();
    await assertInSync([first, second]);
  } finally {
    await app?.close();
  }
});
