/**
 * "Show on TV" end to end on the real app (accounts on, no anonymous rooms), in Chromium:
 * - a TV with no account opens the bare /listen page, types the owner's code, and plays: its
 *   media element's currentTime advances and the page measures an audio level above silence;
 * - the layout holds at 390×844, 1280×800 and 1920×1080 with a very long track title (no
 *   horizontal overflow; the title is cut with an ellipsis, not clipped mid-letter), axe-core
 *   finds no serious or critical violation; screenshots go to test-artifacts/;
 * - the QR code's URL (/listen?pair=CODE) pairs a second screen and drops the code from the
 *   address bar; a network drop on the TV heals by itself;
 * - the owner revokes the TV: it stops and says so, with "Pair again";
 * - the signed-in owner hears /listen/<room> without a code (it answered 401 before), even
 *   with an expired access token (the page refreshes the session).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';

import type { Browser, BrowserContext, Page } from 'playwright-core';

import { ffmpegPath } from '../../media/ffmpeg-path.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { launchChromium } from '../helpers/browser.js';
import { axeViolations, ensureClientBundle } from '../helpers/client-bundle.js';
import { ROOT } from '../helpers/server-process.js';
import { toneTracks } from '../stream/fixtures.js';
import { startPlaying } from './sync-probe.js';

const ARTIFACTS = path.join(ROOT, 'test-artifacts');
const SIZES = [
  { width: 390, height: 844 },
  { width: 1280, height: 800 },
  { width: 1920, height: 1080 },
];
const LONG_TITLE = 'An extraordinarily long title for a piece of music that keeps going well past the edge of any television screen';

let server: TestApp;
let browser: Browser;
let owner: { accessToken: string; refreshToken: string; user: { id: string; displayName: string; email: string; guest: boolean } };
let roomId: string;
const auth = () => ({ authorization: `Bearer ${owner.accessToken}` });

before(async () => {
  ensureClientBundle();
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  server = await startTestApp({ ALLOW_ANONYMOUS_ROOMS: 'false', MEDIASOUP_WORKERS: '1', MUSIC_FIRST_PICK_WAIT_S: '0' });
  const signup = await fetch(`${server.url}/api/auth/signup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: `tv-owner-${Date.now()}@example.org`, password: 'correct horse battery staple', displayName: 'Owner' }),
  });
  owner = await signup.json();
  roomId = (
    (await (
      await fetch(`${server.url}/api/rooms`, {
        method: 'POST',
        headers: { ...auth(), 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'Living room' }),
      })
    ).json()) as { id: string }
  ).id;
  // Every track in the library has the long title (from its file name), so whatever plays shows it.
  const form = new FormData();
  for (const [i, track] of toneTracks(2, 30).entries())
    form.append(
      'file',
      new Blob([new Uint8Array(fs.readFileSync(titled(track.filePath, `${LONG_TITLE} ${i + 1}`)))]),
      `track-${i + 1}.flac`,
    );
  const imported = await fetch(`${server.url}/api/music/import`, { method: 'POST', body: form, headers: auth() });
  assert.equal(imported.status, 201, await imported.text());
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await server?.close();
});

/** A copy of an audio file with a title tag (the importer takes the title from the tags). */
function titled(file: string, title: string): string {
  const out = path.join(
    os.tmpdir(),
    `moodify-tv-${crypto
      .createHash('sha1')
      .update(file + title)
      .digest('hex')
      .slice(0, 10)}.flac`,
  );
  if (!fs.existsSync(out))
    execFileSync(ffmpegPath(), ['-nostdin', '-loglevel', 'error', '-y', '-i', file, '-metadata', `title=${title}`, '-c', 'copy', out]);
  return out;
}

const newCode = async () => {
  const r = await fetch(`${server.url}/api/rooms/${roomId}/pairing-codes`, { method: 'POST', headers: auth() });
  assert.equal(r.status, 201);
  return (await r.json()) as { code: string; url: string };
};

// Strings, not functions: tsx would wrap a function's inner helpers in a `__name` the page lacks.
const PLAYER = `document.querySelector('moodify-listen').shadowRoot.querySelector('moodify-player')`;
/** Seconds actually played (audio.played), not currentTime: hls.js's first live seek moves currentTime with nothing playing. */
const PLAYED_SECONDS = `(() => { const p = ${PLAYER}; if (!p || !p.audio) return 0; const r = p.audio.played; let s = 0; for (let i = 0; i < r.length; i++) s += r.end(i) - r.start(i); return s; })()`;
/** RMS level of what the media element plays, over ~1 s, through a Web Audio analyser. */
const AUDIO_LEVEL = `(async () => {
  const audio = ${PLAYER}.audio;
  const ctx = new AudioContext();
  await ctx.resume();
  const analyser = ctx.createAnalyser();
  analyser.fftSize = 2048;
  ctx.createMediaElementSource(audio).connect(analyser);
  analyser.connect(ctx.destination);
  const buf = new Float32Array(analyser.fftSize);
  let peak = 0;
  for (let i = 0; i < 20; i++) {
    await new Promise((r) => setTimeout(r, 50));
    analyser.getFloatTimeDomainData(buf);
    let sum = 0;
    for (const v of buf) sum += v * v;
    peak = Math.max(peak, Math.sqrt(sum / buf.length));
  }
  return peak;
})()`;
const PLAYER_STATE = `(() => { const l = document.querySelector('moodify-listen').shadowRoot; const p = l.querySelector('moodify-player');
  if (!p) return l.querySelector('main').textContent.replace(/\\s+/g, ' ');
  const a = p.audio; const b = []; for (let i = 0; i < a.buffered.length; i++) b.push([a.buffered.start(i), a.buffered.end(i)]);
  return JSON.stringify({ t: a.currentTime, paused: a.paused, readyState: a.readyState, buffered: b, syncErrorMs: p.syncErrorMs, status: p.shadowRoot.querySelector('.status').textContent }); })()`;
const OVERFLOW = `document.documentElement.scrollWidth - document.documentElement.clientWidth`;

/** Waits until the media element has played 2 s more (polled with evaluate: the app's CSP forbids waitForFunction's eval). */
async function waitForPlayback(page: Page, timeoutMs = 45_000): Promise<void> {
  const start = (await page.evaluate(PLAYED_SECONDS)) as number;
  const deadline = Date.now() + timeoutMs;
  while (((await page.evaluate(PLAYED_SECONDS)) as number) < start + 2) {
    if (Date.now() > deadline)
      throw new Error(`played time stayed near ${start} for ${timeoutMs} ms: ${await page.evaluate(PLAYER_STATE)}`);
    await page.waitForTimeout(250);
  }
}

async function lookAtEverySize(page: Page, name: string): Promise<void> {
  for (const size of SIZES) {
    await page.setViewportSize(size);
    await page.waitForTimeout(400);
    await page.screenshot({ path: path.join(ARTIFACTS, `${name}-${size.width}x${size.height}.png`) });
    assert.ok(((await page.evaluate(OVERFLOW)) as number) <= 0, `${name} overflows horizontally at ${size.width}px`);
  }
}

async function tvContext(): Promise<BrowserContext> {
  return browser.newContext({ viewport: SIZES[2] });
}

test('a TV without an account pairs by code, plays audibly, fits every size, and stops when revoked', { timeout: 240_000 }, async () => {
  const context = await tvContext();
  const page = await context.newPage();
  await page.goto(`${server.url}/listen`);
  const form = page.locator('moodify-pair-form');
  await form.locator('input').waitFor();
  await lookAtEverySize(page, 'listen-pair');
  assert.deepEqual(await axeViolations(page), [], 'pairing page');

  // A wrong code: a plain explanation, and the form stays.
  await form.locator('input').fill('ZZZ-ZZZ');
  await form.locator('button[type=submit]').click();
  await page.locator('moodify-pair-form [role=alert]', { hasText: 'not valid' }).waitFor();

  const { code } = await newCode();
  await form.locator('input').fill(`${code.slice(0, 3).toLowerCase()}-${code.slice(3)}`);
  await form.locator('button[type=submit]').click();
  await waitForPlayback(page);
  assert.equal(new URL(page.url()).pathname, `/listen/${roomId}`);
  const level = (await page.evaluate(AUDIO_LEVEL)) as number;
  assert.ok(level > 0.01, `audio level ${level}: silence`);
  await waitForPlayback(page);

  // The long title is cut with an ellipsis inside the card at every size.
  const titleText = `(() => { const t = ${PLAYER}.shadowRoot.querySelector('.title'); return t ? t.textContent : ''; })()`;
  for (let i = 0; i < 80 && !String(await page.evaluate(titleText)).startsWith(LONG_TITLE); i++) await page.waitForTimeout(250);
  assert.ok(String(await page.evaluate(titleText)).startsWith(LONG_TITLE), `the card shows "${await page.evaluate(titleText)}"`);
  await lookAtEverySize(page, 'listen-playing');
  const title = (await page.evaluate(
    `(() => { const t = ${PLAYER}.shadowRoot.querySelector('.title'); const s = getComputedStyle(t); return { overflow: t.scrollWidth > t.clientWidth, ellipsis: s.textOverflow, right: t.getBoundingClientRect().right, width: innerWidth }; })()`,
  )) as { overflow: boolean; ellipsis: string; right: number; width: number };
  assert.equal(title.ellipsis, 'ellipsis');
  assert.ok(title.right <= title.width, `the title ends at ${title.right}px of ${title.width}`);
  assert.deepEqual(await axeViolations(page), [], 'playing page');

  // Full screen (ambient) view: controls hidden, the music plays on.
  await page.locator('moodify-listen button', { hasText: 'Full screen' }).click();
  await waitForPlayback(page);
  await page.screenshot({ path: path.join(ARTIFACTS, 'listen-ambient-1920x1080.png') });

  // A network drop heals by itself.
  await context.setOffline(true);
  await page.waitForTimeout(4000);
  await context.setOffline(false);
  await waitForPlayback(page, 60_000);

  // The owner sees the screen in the room's links and revokes it: the TV says so, with a way back.
  const links = (await (await fetch(`${server.url}/api/rooms/${roomId}/listener-links`, { headers: auth() })).json()) as {
    id: string;
    label: string;
  }[];
  const screen = links.find((l) => l.label.startsWith('Paired screen: '));
  assert.ok(screen, JSON.stringify(links));
  assert.equal(
    (await fetch(`${server.url}/api/rooms/${roomId}/listener-links/${screen.id}`, { method: 'DELETE', headers: auth() })).status,
    204,
  );
  await page.locator('moodify-listen [role=alert]', { hasText: 'revoked' }).waitFor({ timeout: 30_000 });
  await page.locator('moodify-listen button', { hasText: 'Pair again' }).waitFor();
  await lookAtEverySize(page, 'listen-revoked');
  await page.locator('moodify-listen button', { hasText: 'Pair again' }).click();
  await form.locator('input').waitFor();
  await context.close();
});

test('the QR code URL pairs a screen, and the code leaves the address bar', { timeout: 120_000 }, async () => {
  const context = await tvContext();
  const page = await context.newPage();
  const { url } = await newCode();
  assert.match(url, /\/listen\?pair=[A-Z0-9]{6}$/);
  await page.goto(`${server.url}${new URL(url).pathname}${new URL(url).search}`);
  await startPlaying(page);
  await waitForPlayback(page);
  assert.equal(new URL(page.url()).search, '', 'no code or token in the address bar');
  await context.close();
});

test(
  'end to end through both screens: the owner shows a code in the room page, the TV types it, the owner revokes it there',
  { timeout: 240_000 },
  async () => {
    const ownerContext = await browser.newContext({ viewport: SIZES[1] });
    await ownerContext.addInitScript(`localStorage.setItem('moodify.session', ${JSON.stringify(JSON.stringify(owner))})`);
    const room = await ownerContext.newPage();
    await room.goto(`${server.url}/room/${roomId}`);
    await room.getByRole('button', { name: 'Listen only' }).click();
    await room.locator('summary', { hasText: 'play on a TV' }).click();
    const share = room.locator('moodify-share-tv');
    await share.locator('button', { hasText: 'Show on TV' }).click();
    const codeText = (await share.locator('.code').textContent({ timeout: 20_000 }))!.replace(/\s/g, '');
    assert.match(codeText, /^[A-Z2-9]{6}$/);
    await share.locator('img.qr').waitFor();
    await share.locator('button', { hasText: 'Create a listener link' }).click();
    assert.match(await share.locator('.link input').inputValue(), new RegExp(`/listen/${roomId}\\?lt=`));
    for (const size of SIZES.slice(0, 2)) {
      await room.setViewportSize(size);
      await share.scrollIntoViewIfNeeded();
      await room.screenshot({ path: path.join(ARTIFACTS, `share-tv-${size.width}x${size.height}.png`), fullPage: true });
      assert.ok(((await room.evaluate(OVERFLOW)) as number) <= 0, `room page with the share panel overflows at ${size.width}px`);
    }

    const tv = await (await tvContext()).newPage();
    await tv.goto(`${server.url}/listen`);
    await tv.locator('moodify-pair-form input').fill(codeText);
    await tv.locator('moodify-pair-form button[type=submit]').click();
    await waitForPlayback(tv);

    // The owner's panel notices the new screen by itself, and revoking it there stops the TV.
    await share.locator('[role=status]', { hasText: 'is paired and playing' }).waitFor({ timeout: 20_000 });
    // Screens are listed oldest first: this TV is the last one.
    await share.locator('li', { hasText: 'Chrome on Linux' }).last().locator('button', { hasText: 'Revoke' }).click();
    await tv.locator('moodify-listen [role=alert]', { hasText: 'revoked' }).waitFor({ timeout: 30_000 });
    await tv.context().close();
    await ownerContext.close();
  },
);

test(
  'the signed-in owner listens on /listen/<room> without a code, also after the access token expired',
  { timeout: 120_000 },
  async () => {
    const context = await tvContext();
    // A stale access token (as after an hour away) and a valid refresh token.
    const session = { user: owner.user, accessToken: 'expired.access.token', refreshToken: owner.refreshToken };
    await context.addInitScript(`localStorage.setItem('moodify.session', ${JSON.stringify(JSON.stringify(session))})`);
    const page = await context.newPage();
    await page.goto(`${server.url}/listen/${roomId}`);
    await startPlaying(page);
    await waitForPlayback(page);
    const stored = JSON.parse((await page.evaluate(`localStorage.getItem('moodify.session')`)) as string) as { accessToken: string };
    assert.notEqual(stored.accessToken, 'expired.access.token', 'the session was refreshed');
    await context.close();
  },
);
