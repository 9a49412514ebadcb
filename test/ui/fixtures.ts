/**
 * What the UI tests share: the real app (accounts on, anonymous rooms off) with a small library
 * of real audio (tone chords imported through the real importer), Chromium with fake camera and
 * microphone, a signed-in browser context, and page measurements (overflow, audio level).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import type { Browser, BrowserContext, Page } from 'playwright-core';

import { importDirectory } from '../../server/music/importer.js';
import { type Session, signUp } from '../accounts/test-app.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { ROOT } from '../helpers/server-process.js';
import { toneTracks } from '../stream/fixtures.js';

export const ARTIFACTS = path.join(ROOT, 'test-artifacts', 'ui');

export const SIZES = [
  { name: 'phone', width: 390, height: 844 },
  { name: 'laptop', width: 1280, height: 800 },
  { name: 'tv', width: 1920, height: 1080 },
] as const;

const TRACK_MOODS = [
  { title: 'Bright chord', emotion: 'happy', valence: 0.8, arousal: 0.5 },
  { title: 'Low chord', emotion: 'sad', valence: -0.7, arousal: -0.5 },
  {
    title: 'Still chord with a very long title that a TV layout has to truncate rather than clip',
    emotion: 'neutral',
    valence: 0.05,
    arousal: -0.2,
  },
  { title: 'Harsh chord', emotion: 'angry', valence: -0.6, arousal: 0.8 },
];

/** The app with accounts enforced and four real tracks in its library. */
export async function startUiApp(env: Record<string, string> = {}): Promise<TestApp> {
  const server = await startTestApp({
    MEDIASOUP_WORKERS: '1',
    LOG_LEVEL: 'silent',
    ALLOW_ANONYMOUS_ROOMS: 'false',
    AUTH_RATE_LIMIT_MAX: '1000',
    STREAM_IDLE_STOP_S: '120',
    ...env,
  });
  try {
    const library = fs.mkdtempSync(path.join(os.tmpdir(), 'moodify-ui-library-'));
    const sidecar = toneTracks(4, 30).map((track, i) => {
      const file = `chord-${i}.flac`;
      fs.copyFileSync(track.filePath, path.join(library, file));
      return { file, artist: 'Moodify test tones', ...TRACK_MOODS[i] };
    });
    fs.writeFileSync(path.join(library, 'library.json'), JSON.stringify(sidecar));
    await importDirectory(server.app.services.database.db, library, { origin: 'import' });
    await server.app.services.music?.director.reloadCatalog();
    return server;
  } catch (err) {
    await server.close();
    throw err;
  }
}

/** A user with a room they own, signed in through the API. */
export async function userWithRoom(server: TestApp, name: string, roomName: string): Promise<{ session: Session; roomId: string }> {
  const session = await signUp(server.app, name);
  const response = await server.app.inject({
    method: 'POST',
    url: '/api/rooms',
    headers: { authorization: `Bearer ${session.accessToken}` },
    payload: { name: roomName },
  });
  return { session, roomId: (response.json() as { id: string }).id };
}

/** A browser context whose pages are signed in as `session` (as the app stores it after a log-in). */
export async function signedInContext(
  browser: Browser,
  server: TestApp,
  session: Session,
  viewport = { width: 1280, height: 800 },
  colorScheme: 'light' | 'dark' = 'light',
): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport, colorScheme });
  const stored = JSON.stringify({ user: session.user, accessToken: session.accessToken, refreshToken: session.refreshToken });
  await context.addInitScript(
    `try { if (!localStorage.getItem('moodify.session')) localStorage.setItem('moodify.session', ${JSON.stringify(stored)}); } catch {}`,
  );
  return context;
}

/** How far the page scrolls sideways (0 when nothing overflows the viewport). */
export function horizontalOverflow(page: Page): Promise<number> {
  return page.evaluate('Math.max(document.documentElement.scrollWidth, document.body.scrollWidth) - window.innerWidth') as Promise<number>;
}

/**
 * The room page's own audio, as the page hears it: the player's <audio> element (found through
 * the shadow roots) captured into WebAudio, RMS over `ms`. A string: tsx helpers do not exist in
 * the page.
 */
export function audioLevel(page: Page, ms = 1500): Promise<{ rms: number; paused: boolean; currentTime: number }> {
  return page.evaluate(`(async () => {
    const find = (root) => root.querySelector('audio') ?? [...root.querySelectorAll('*')].map((el) => el.shadowRoot && find(el.shadowRoot)).find(Boolean) ?? null;
    const audio = find(document);
    if (!audio) return { rms: 0, paused: true, currentTime: 0 };
    // The captured stream has an audio track only while media plays; a new source re-creates it.
    const track = audio.captureStream().getAudioTracks()[0];
    if (!track) return { rms: 0, paused: audio.paused, currentTime: audio.currentTime };
    if (!window.__moodifyProbe || window.__moodifyProbe.audio !== audio) {
      const ctx = new AudioContext();
      const source = ctx.createMediaStreamSource(audio.captureStream());
      const analyser = ctx.createAnalyser();
      analyser.fftSize = 2048;
      source.connect(analyser);
      window.__moodifyProbe = { ctx, analyser, audio };
    }
    const { ctx, analyser } = window.__moodifyProbe;
    await ctx.resume();
    const buf = new Float32Array(analyser.fftSize);
    let sum = 0, n = 0;
    const end = performance.now() + ${ms};
    while (performance.now() < end) {
      analyser.getFloatTimeDomainData(buf);
      for (const x of buf) { sum += x * x; n++; }
      await new Promise((r) => setTimeout(r, 50));
    }
    return { rms: Math.sqrt(sum / Math.max(1, n)), paused: audio.paused, currentTime: audio.currentTime };
  })()`) as Promise<{ rms: number; paused: boolean; currentTime: number }>;
}

export async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined | null | false>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** The text a person sees on the page: visible text nodes, through open shadow roots, closed <details> left out. */
export function visibleText(page: Page, selector = 'body'): Promise<string> {
  return page.evaluate(`(() => {
    const out = [];
    const walk = (node) => {
      for (const child of node.childNodes) {
        if (child.nodeType === 3) {
          const parent = child.parentElement;
          if (parent && parent.checkVisibility({ checkVisibilityCSS: true }) && child.textContent.trim()) out.push(child.textContent.trim());
        } else if (child.nodeType === 1) {
          if (child.tagName === 'DETAILS' && !child.open) { const s = child.querySelector('summary'); if (s) out.push(s.textContent.trim()); continue; }
          if (child.tagName === 'STYLE' || child.tagName === 'SCRIPT') continue;
          if (child.shadowRoot) walk(child.shadowRoot);
          walk(child);
          if (child.tagName === 'SLOT') for (const n of child.assignedNodes()) walk({ childNodes: [n] });
        }
      }
    };
    const root = document.querySelector(${JSON.stringify(selector)});
    if (root && root.shadowRoot) walk(root.shadowRoot);
    if (root) walk(root);
    return out.join('\\n');
  })()`) as Promise<string>;
}
