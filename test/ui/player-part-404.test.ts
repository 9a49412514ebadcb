/**
 * Parts that answer 404 do not stop the player. After a cluster failover the listener asks the
 * edge for parts of the dead owner's stream, and the edge (placed on the new owner) answers 404
 * (test/cluster/cluster.test.ts) until the listener's playlist names the new stream. Here every
 * part and segment the listener asks for in 2 s answers 404 (Playwright routing, the real server
 * behind it); the player must play on.
 *
 * Played time is audio.played, not currentTime. An earlier version of this test (and of
 * sync-probe's startPlaying) read currentTime, which hls.js's first live seek moves to ~2.4 s while
 * nothing plays: with autoplay refused and no click, the "stall after a refused part" it reported
 * (and a CI run saw) was a player that had never started. Measured since (2026-12-07): hls.js
 * 1.7.4 plays on through these refusals with or without the player's fragLoadPolicy retry of a
 * 404; the retry stays for a 404 that outlasts hls.js's own gap handling.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import type { Browser } from 'playwright-core';

import { launchChromium } from '../helpers/browser.js';
import { ensureClientBundle } from '../helpers/client-bundle.js';
import { PlaylistTrackSource, toneTracks } from '../stream/fixtures.js';
import { startStreamApp, type StreamApp } from '../stream/stream-app.js';
import { openListener, PLAYED_SECONDS } from './sync-probe.js';

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

test('parts answering 404 for 2 s: the listener plays on', { timeout: 120_000 }, async () => {
  const page = await openListener(browser, server.url, 'part-404-room', { nosync: true });
  await new Promise((r) => setTimeout(r, 3000)); // past hls.js's start-up
  let refused: string | undefined;
  const seen: string[] = [];
  page.on('request', (r) => seen.length < 40 && seen.push(r.url()));
  // Every part and segment asked for in the next 2 s answers 404, as the edge answers for the
  // dead owner's stream until the listener's playlist names the new one.
  let refuseUntil = 0;
  let refusals = 0;
  await page.route(/\/stream\/[^/]+\/[0-9a-f]{8}-\d+(\.\d+)?\.m4s/, async (route) => {
    if (refused === undefined) {
      refused = route.request().url();
      refuseUntil = Date.now() + 2000;
    }
    if (Date.now() < refuseUntil) {
      refusals++;
      await route.fulfill({ status: 404, contentType: 'application/json', body: '{"error":"not found"}' });
    } else await route.continue();
  });
  const t0 = (await page.evaluate(PLAYED_SECONDS)) as number;
  await new Promise((r) => setTimeout(r, 15_000));
  const t1 = (await page.evaluate(PLAYED_SECONDS)) as number;
  assert.ok(refused, `the player asked for a part: ${seen.join(' ')}`);
  assert.ok(
    t1 - t0 > 10,
    `the player plays on after a part's 404 (${(t1 - t0).toFixed(1)} s in 15 s; ${refusals} refusals from ${refused})`,
  );
});
