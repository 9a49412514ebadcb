/**
 * `npm run bench:sync`: how far apart the players of one room are. Starts the stream server in
 * its own process (bench/hls-server.ts: the real engine playing music clips), opens N listener
 * pages of one room in headless Chromium (each its own browser context, a few seconds apart, as
 * phones joining one by one), lets them settle, then for a while reads every page's playing
 * position on the program-date clock against its wall time (test/ui/sync-probe.ts) and prints
 * the pairwise distances.
 *   BENCH_PLAYERS (default 3), BENCH_SYNC_S (measured seconds, default 60),
 *   BENCH_WARMUP_S (default 30), --nosync (hls.js alone, no wall-clock sync: the comparison).
 * Prints figures; the last line is one JSON object.
 */
import { fork } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';

import { launchChromium } from '../test/helpers/browser.js';
import { ensureClientBuilt } from '../test/stream/stream-app.js';
import { openListener, pairwiseOffsetsMs, percentile, readPlayer } from '../test/ui/sync-probe.js';

const PLAYERS = Number(process.env.BENCH_PLAYERS ?? 3);
const SECONDS = Number(process.env.BENCH_SYNC_S ?? 60);
const WARMUP_S = Number(process.env.BENCH_WARMUP_S ?? 30);
const NOSYNC = process.argv.includes('--nosync');
const ROOM = 'bench-sync';
const SAMPLE_EVERY_MS = 500;

const loadAverage = () => fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const command = `npm run bench:sync${NOSYNC ? ' -- --nosync' : ''} (BENCH_PLAYERS=${PLAYERS} BENCH_SYNC_S=${SECONDS} BENCH_WARMUP_S=${WARMUP_S})`;

ensureClientBuilt();
const loadBefore = loadAverage();
const child = fork('bench/hls-server.ts', [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
process.on('exit', () => child.kill());
const url = await new Promise<string>((resolve, reject) => {
  child.once('message', (m: { url: string }) => resolve(m.url));
  child.once('exit', (code) => reject(new Error(`bench server exited (${code})`)));
});

const browser = await launchChromium();
const pages = [];
for (let i = 0; i < PLAYERS; i++) {
  pages.push(await openListener(browser, url, ROOM, { nosync: NOSYNC }));
  console.log(`player ${i + 1} playing`);
  await sleep(2000);
}
console.log(`warming up ${WARMUP_S} s…`);
await sleep(WARMUP_S * 1000);

const distances: number[] = [];
const perSecond: number[] = [];
let failedReads = 0;
const started = Date.now();
while (Date.now() - started < SECONDS * 1000) {
  const sample = await pairwiseOffsetsMs(pages);
  if (sample.length === 0) failedReads++;
  distances.push(...sample);
  perSecond.push(Math.max(...sample, 0));
  if (process.env.BENCH_VERBOSE && perSecond.length % 10 === 0) console.log(JSON.stringify(await Promise.all(pages.map(readPlayer))));
  await sleep(SAMPLE_EVERY_MS);
}
const finals = await Promise.all(pages.map(readPlayer));
await browser.close();
child.kill();

const result = {
  players: PLAYERS,
  sync: !NOSYNC,
  measured_s: SECONDS,
  warmup_s: WARMUP_S,
  samples: distances.length,
  failed_reads: failedReads,
  offset_p50_ms: Number(percentile(distances, 50).toFixed(1)),
  offset_p95_ms: Number(percentile(distances, 95).toFixed(1)),
  offset_max_ms: Number(Math.max(...distances).toFixed(1)),
  worst_pair_p95_ms: Number(percentile(perSecond, 95).toFixed(1)),
  playback_rates: finals.map((f) => f?.playbackRate ?? null),
  load_before: loadBefore,
  load_after: loadAverage(),
  cpus: os.cpus().length,
  command,
};
console.log(
  `pairwise distance between ${PLAYERS} players of one room over ${SECONDS} s (${distances.length} pair samples, sync ${NOSYNC ? 'OFF' : 'on'}):`,
);
console.log(
  `  p50 ${result.offset_p50_ms} ms, p95 ${result.offset_p95_ms} ms, max ${result.offset_max_ms} ms; worst pair per sample p95 ${result.worst_pair_p95_ms} ms`,
);
console.log(`  load ${result.load_before} → ${result.load_after} on ${result.cpus} CPUs; command: ${command}`);
console.log(`  last readings: ${JSON.stringify(finals)}`);
console.log(JSON.stringify(result));
process.exit(0);
