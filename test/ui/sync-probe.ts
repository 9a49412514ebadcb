/**
 * Measures how far apart players of one room are, in the pages themselves: each page reads its
 * media element's playing position on the stream's program-date clock (hls.js's own
 * `playingDate`, independent of the player's sync code) and subtracts its wall time at that
 * instant (`performance.timeOrigin + performance.now()`, one clock for every page of the
 * machine). Two pages at the same place in the music have the same difference, whenever each
 * was read. Used by test/ui/sync.test.ts and bench/sync.ts.
 */
import type { Browser, Page } from 'playwright-core';

export interface PlayerReading {
  /** Program date playing minus the page's wall time, ms. */
  offsetMs: number;
  /** The same from the player's own fragment lookup (what its sync steers), ms. */
  ownOffsetMs: number | null;
  currentTime: number;
  playbackRate: number;
  paused: boolean;
  /** What the player's own sync measured last (position minus target), ms. */
  syncErrorMs: number | null;
}

/** A listener page of `room` in its own browser context (a separate device, as far as the page knows), playing. */
export async function openListener(browser: Browser, baseUrl: string, room: string, options: { nosync?: boolean } = {}): Promise<Page> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${baseUrl}/listen/${encodeURIComponent(room)}${options.nosync ? '?nosync' : ''}`);
  await startPlaying(page);
  return page;
}

/** The page's <moodify-player>: on the listen page (a TV) or on the room page (every device in the room). */
const PLAYER = `(() => { const host = document.querySelector('moodify-listen') || document.querySelector('moodify-room'); return host && host.shadowRoot ? host.shadowRoot.querySelector('moodify-player') : null; })()`;

/**
 * Seconds of audio the page's player has actually played (the sum of audio.played's ranges).
 * Not currentTime: hls.js seeks a live stream to its start position before anything plays
 * (0 → 2.4 s with autoplay refused), which a currentTime probe mistook for playback.
 */
export const PLAYED_SECONDS = `(() => { const p = ${PLAYER}; if (!p || !p.audio) return 0; const r = p.audio.played; let s = 0; for (let i = 0; i < r.length; i++) s += r.end(i) - r.start(i); return s; })()`;

async function advancesWithin(page: Page, ms: number): Promise<boolean> {
  const start = (await page.evaluate(PLAYED_SECONDS)) as number;
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    await page.waitForTimeout(250);
    if (((await page.evaluate(PLAYED_SECONDS)) as number) > start + 0.5) return true;
  }
  return false;
}

/**
 * Gets the page's player playing: the page autoplays where the browser allows it; Play is clicked
 * only when the player says the browser refused (a click while autoplay is just starting could
 * land on the button as it turns into Pause).
 */
export async function startPlaying(page: Page): Promise<void> {
  await page.locator('moodify-player button').first().waitFor({ timeout: 30_000 });
  const deadline = Date.now() + 45_000;
  while (Date.now() < deadline) {
    if (await advancesWithin(page, 1000)) return;
    // The player asks for a click only when the browser refused to autoplay.
    if (((await page.evaluate(STATUS)) as string).includes('Press Play'))
      await page.locator('moodify-player button', { hasText: /^Play$/ }).click();
  }
  throw new Error(`the player did not start playing: ${await page.evaluate(STATUS)}`);
}

const STATUS = `(() => { const p = ${PLAYER}; const status = p && p.shadowRoot.querySelector('.status'); return status ? status.textContent : ''; })()`;

// A string, not a function: tsx would wrap a function's inner helpers in a `__name` the page lacks.
const READ = `(() => {
  const player = ${PLAYER};
  const audio = player.audio;
  const date = player.hls && player.hls.playingDate;
  const at = performance.timeOrigin + performance.now();
  return {
    offsetMs: date ? date.getTime() - at : null,
    ownOffsetMs: player.playingDateMs() === undefined ? null : player.playingDateMs() - at,
    currentTime: audio.currentTime,
    playbackRate: audio.playbackRate,
    paused: audio.paused,
    syncErrorMs: player.syncErrorMs ?? null,
  };
})()`;

export async function readPlayer(page: Page): Promise<PlayerReading | null> {
  const reading = (await page.evaluate(READ)) as PlayerReading & { offsetMs: number | null };
  return reading.offsetMs === null ? null : reading;
}

/** One sample: every pair's distance (ms), from readings taken at (nearly) the same time. */
export async function pairwiseOffsetsMs(pages: Page[]): Promise<number[]> {
  const readings = await Promise.all(pages.map(readPlayer));
  if (readings.some((r) => r === null)) return [];
  const offsets = readings.map((r) => r!.offsetMs);
  const pairs: number[] = [];
  for (let i = 0; i < offsets.length; i++) for (let j = i + 1; j < offsets.length; j++) pairs.push(Math.abs(offsets[i]! - offsets[j]!));
  return pairs;
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;
}
