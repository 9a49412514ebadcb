/**
 * A screen that loses its network or goes to sleep comes back to the room by itself: no click, and
 * back in step with the other devices (on the stream's program-date clock, as sync.test.ts
 * measures them).
 *
 * - Network: the page's context goes offline for 10 s (Chromium's network emulation: every request
 *   fails, navigator.onLine is false). The player says so in words, and plays on when the network
 *   returns.
 * - Sleep: the page is frozen for 15 s (the devtools lifecycle state a sleeping laptop or a TV in
 *   standby puts a page in: no script, no timers, no media), then woken.
 *
 * "Back in step" is the player's own sync error (position minus the room's target position), which
 * two-device sync keeps within 100 ms of each other: within 300 ms here, after recovery.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import type { Browser, Page } from 'playwright-core';

import { launchChromium } from '../helpers/browser.js';
import { ensureClientBundle } from '../helpers/client-bundle.js';
import { PlaylistTrackSource, toneTracks } from '../stream/fixtures.js';
import { startStreamApp, type StreamApp } from '../stream/stream-app.js';
import { openListener, PLAYED_SECONDS, readPlayer } from './sync-probe.js';

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

const STATUS = `(() => { const p = document.querySelector('moodify-listen').shadowRoot.querySelector('moodify-player'); return p.shadowRoot.querySelector('.status').textContent; })()`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits until the player plays in real time again and its sync error is small; returns the seconds it took. */
async function backInStep(page: Page, since: number, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    const p0 = (await page.evaluate(PLAYED_SECONDS)) as number;
    await sleep(2000);
    const p1 = (await page.evaluate(PLAYED_SECONDS)) as number;
    const reading = await readPlayer(page);
    last = JSON.stringify({ played: p1 - p0, reading, status: await page.evaluate(STATUS) });
    if (p1 - p0 > 1.6 && reading && !reading.paused && reading.syncErrorMs !== null && Math.abs(reading.syncErrorMs) <= 300)
      return (Date.now() - since) / 1000;
  }
  throw new Error(`the player did not come back in step within ${timeoutMs} ms: ${last}`);
}

test('the network drops for 10 s: the player says so, then plays on by itself, in step with the room', { timeout: 150_000 }, async (t) => {
  const page = await openListener(browser, server.url, 'recovery-offline-room');
  await backInStep(page, Date.now(), 30_000);
  await page.context().setOffline(true);
  const offlineAt = Date.now();
  let said = '';
  while (Date.now() - offlineAt < 10_000) {
    const status = (await page.evaluate(STATUS)) as string;
    if (/offline|Reconnecting/.test(status)) said = status;
    await sleep(500);
  }
  await page.context().setOffline(false);
  const backAt = Date.now();
  assert.match(said, /offline|Reconnecting/, 'the player says in words that the network is gone');
  const seconds = await backInStep(page, backAt, 60_000);
  t.diagnostic(`offline 10 s ("${said}"); back in step ${seconds.toFixed(1)} s after the network returned`);
  await page.context().close();
});

test('the screen sleeps for 15 s: on waking the player plays on by itself, in step with the room', { timeout: 150_000 }, async (t) => {
  const page = await openListener(browser, server.url, 'recovery-sleep-room');
  await backInStep(page, Date.now(), 30_000);
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Page.setWebLifecycleState', { state: 'frozen' });
  await sleep(15_000);
  await cdp.send('Page.setWebLifecycleState', { state: 'active' });
  const wokeAt = Date.now();
  const seconds = await backInStep(page, wokeAt, 60_000);
  t.diagnostic(`frozen 15 s; back in step ${seconds.toFixed(1)} s after waking`);
  await page.context().close();
});
