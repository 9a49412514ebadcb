/**
 * `npm run bench:hls`: the room stream's costs and latency, with the stream server in its own
 * process (bench/hls-server.ts) playing real music clips through the real engine.
 *   (c) CPU per active room stream: Node (mixing, pacing, serving) plus its ffmpeg processes.
 *   (b) listeners one core serves (optionally pinned to one core: BENCH_SERVER_CORE), a load generator
 *       (bench/lib/hls-listeners.ts) on the others simulating N plain-HLS players, each on its own
 *       connection and at its own phase fetching the playlist and the newest segment once per
 *       segment duration; N listeners are served when every cycle succeeds and every segment
 *       arrives within a segment duration. Also the server's CPU per request.
 *   (a) mood change → first audible sample of the new pick at a real hls.js client (headless
 *       Chromium): from requestSwitch to the moment the player's position (hls.playingDate)
 *       reaches the new pick's first sample.
 * Prints figures; the last line is one JSON object.
 */
import { fork, spawn } from 'node:child_process';
import fs from 'node:fs';

import { launchChromium } from '../test/helpers/browser.js';
import { childPids } from '../test/helpers/server-process.js';
import { ensureClientBuilt } from '../test/stream/stream-app.js';
import { runListeners, runLowLatencyListeners } from './lib/hls-listeners.js';

const ROOMS = Number(process.env.BENCH_ROOMS ?? 4);
const CPU_SECONDS = Number(process.env.BENCH_CPU_S ?? 20);
const LEVELS = (process.env.BENCH_LEVELS ?? '500,1000,1500,2000,3000,4000').split(',').map(Number);
const LEVEL_SECONDS = Number(process.env.BENCH_LEVEL_S ?? 10);
/** LL-HLS listeners (blocking reload + part, ~6 requests/s each), measured after the plain ones. */
const LL_LEVELS = (process.env.BENCH_LL_LEVELS ?? '250,500,1000,1500,2000').split(',').filter(Boolean).map(Number);
const SWITCHES = Number(process.env.BENCH_SWITCHES ?? 8);
/** Which figures to measure: any of a, b, c (default all). */
const ONLY = new Set((process.env.BENCH_ONLY ?? 'abc').split(''));
/**
 * For (b), pin the stream server to this core (taskset) and the load generator to the others.
 * Off by default: on a shared machine a pinned, niced server is starved whenever another job
 * holds its core, while unpinned it moves to the free one. (Its serving runs on one JavaScript
 * thread either way: it never uses more than one core for it; see server_core_pct.)
 */
const SERVER_CORE = process.env.BENCH_SERVER_CORE;
const SEGMENT_S = 1;
const TICKS_PER_S = 100; // Linux USER_HZ

ensureClientBuilt();
// The server in its own session, as a deployed server would be: with the kernel's autogroup
// scheduling, one session's processes share one fair share of the CPU, and the server must not
// split its share with the load generator and the browser of this bench.
const child = fork('bench/hls-server.ts', [], {
  execArgv: ['--import', 'tsx'],
  stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  detached: true,
});
process.on('exit', () => child.kill());
const url = await new Promise<string>((resolve, reject) => {
  child.once('message', (m: { url: string }) => resolve(m.url));
  child.once('exit', (code) => reject(new Error(`bench server exited (${code})`)));
});
const serverPid = child.pid!;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function stat(pid: number): number[] {
  const text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  return text
    .slice(text.lastIndexOf(')') + 2)
    .split(' ')
    .map(Number);
}
/** CPU ticks of the server, its reaped children, and its live children: encoders and decoders (ffmpeg). */
function serverTicks(): { node: number; encoders: number; decoders: number; total: number } {
  const s = stat(serverPid);
  const node = s[11]! + s[12]!; // utime, stime
  let encoders = 0;
  let decoders = s[13]! + s[14]!; // cutime, cstime: exited children, nearly all finished decoders
  for (const pid of childPids(serverPid)) {
    try {
      const c = stat(pid);
      const isEncoder = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('pipe:0');
      if (isEncoder) encoders += c[11]! + c[12]!;
      else decoders += c[11]! + c[12]!;
    } catch {
      /* exited meanwhile: counted in cutime from now on */
    }
  }
  return { node, encoders, decoders, total: node + encoders + decoders };
}
type Ticks = ReturnType<typeof serverTicks>;
const pctOf = (ticks: number, seconds: number) => (ticks / TICKS_PER_S / seconds) * 100;
async function cpuOver(seconds: number): Promise<Record<keyof Ticks, number>> {
  const a = serverTicks();
  await sleep(seconds * 1000);
  const b = serverTicks();
  return {
    node: pctOf(b.node - a.node, seconds),
    encoders: pctOf(b.encoders - a.encoders, seconds),
    decoders: pctOf(b.decoders - a.decoders, seconds),
    total: pctOf(b.total - a.total, seconds),
  };
}
const loadAverage = () => fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
/** Machine-wide CPU time so far (/proc/stat): by un-niced processes (nice ≤ 0, which a niced bench yields to), and in all. */
function machineTicks(): { unniced: number; all: number } {
  const fields = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1, 9).map(Number);
  return { unniced: fields[0]!, all: fields.reduce((a, b) => a + b, 0) };
}
/** Share of the machine's CPU that un-niced processes used since `since`, %. */
const unnicedPct = (since: ReturnType<typeof machineTicks>) => {
  const now = machineTicks();
  return Number(((100 * (now.unniced - since.unniced)) / Math.max(1, now.all - since.all)).toFixed(1));
};
/** Runs `command` and resolves with its exit code. */
const run = (command: string, args: string[]) =>
  new Promise<number | null>((resolve) =>
    spawn(command, args, { stdio: 'ignore' })
      .on('close', resolve)
      .on('error', () => resolve(null)),
  );
const percentile = (xs: number[], p: number) => [...xs].sort((x, y) => x - y)[Math.min(xs.length - 1, Math.floor(p * xs.length))]!;

// ---------------------------------------------------------------- (c) CPU per room
const result: Record<string, unknown> = {};
console.log(`machine load average at the start: ${loadAverage()}`);
let keepAlive: NodeJS.Timeout | undefined;
if (ONLY.has('c')) {
  const idle = await cpuOver(5);
  for (let i = 0; i < ROOMS; i++) {
    const r = await fetch(`${url}/stream/bench-${i}/live.m3u8`);
    if (!r.ok) throw new Error(`room bench-${i} did not start: ${r.status} ${await r.text()}`);
  }
  await sleep(5000);
  // Listeners keep the rooms alive (refetching well within the listener window).
  keepAlive = setInterval(() => {
    for (let i = 0; i < ROOMS; i++) void fetch(`${url}/stream/bench-${i}/live.m3u8`).then((r) => r.arrayBuffer());
  }, 3000);
  const machineBefore = machineTicks();
  const busy = await cpuOver(CPU_SECONDS);
  const unniced = unnicedPct(machineBefore);
  const perRoom = (key: keyof Ticks) => Number(((busy[key] - idle[key]) / ROOMS).toFixed(2));
  console.log(
    `(c) CPU: idle server ${idle.total.toFixed(2)}%, ${ROOMS} rooms ${busy.total.toFixed(2)}% of a core ` +
      `(Node ${busy.node.toFixed(2)}%, encoders ${busy.encoders.toFixed(2)}%, decoders ${busy.decoders.toFixed(2)}%) → ` +
      `${perRoom('total').toFixed(2)}% of a core per room stream (Node ${perRoom('node')}, encoder ${perRoom('encoders')}, decoders ${perRoom('decoders')})`,
  );
  Object.assign(result, {
    cpu_per_room_pct_of_core: perRoom('total'),
    cpu_per_room_split_pct: { node: perRoom('node'), encoder: perRoom('encoders'), decoders: perRoom('decoders') },
    cpu_rooms: ROOMS,
    cpu_seconds: CPU_SECONDS,
    cpu_idle_server_pct: Number(idle.total.toFixed(2)),
    cpu_machine_unniced_pct: unniced,
  });
}

// ---------------------------------------------------------------- (b) listeners
if (ONLY.has('b')) {
  // Only the room the listeners hear keeps streaming. With BENCH_SERVER_CORE, one core for the
  // server and its encoder and the others for the load generator. (Other jobs on the machine
  // still compete: see the load average printed with the figures.)
  child.send({ op: 'stopAllBut', roomId: 'bench-0' });
  const room = 'bench-0';
  await (await fetch(`${url}/stream/${room}/live.m3u8`)).text();
  await sleep(3000); // the stopped rooms wind down before the first level
  const cores = Array.from({ length: (await import('node:os')).availableParallelism() }, (_, i) => String(i));
  const otherCores = cores.filter((c) => c !== SERVER_CORE).join(',') || (SERVER_CORE ?? '0');
  let pinned = false;
  if (SERVER_CORE !== undefined) {
    pinned = (await run('taskset', ['-a', '-p', '-c', SERVER_CORE, String(serverPid)])) === 0;
    for (const pid of childPids(serverPid)) await run('taskset', ['-a', '-p', '-c', SERVER_CORE, String(pid)]);
    await run('taskset', ['-a', '-p', '-c', otherCores, String(process.pid)]);
    console.log(
      pinned ? `(b) server pinned to core ${SERVER_CORE}, load generator on ${otherCores}` : '(b) taskset failed: the server is not pinned',
    );
  }

  let listeners = 0;
  const cpuPerRequestUs: number[] = [];
  const levels: Record<string, unknown>[] = [];
  for (const n of LEVELS) {
    const before = serverTicks();
    const machineBefore = machineTicks();
    const generatorBefore = process.cpuUsage();
    const run = await runListeners({ url, roomId: room, listeners: n, seconds: LEVEL_SECONDS, segmentS: SEGMENT_S });
    const after = serverTicks();
    const generator = process.cpuUsage(generatorBefore);
    // Every listener got every segment in time: every cycle ran, none failed, none was late.
    const ok = run.errors === 0 && run.lateCycles === 0 && run.cycles === run.expectedCycles;
    const level = {
      ...run,
      ok,
      // The server's CPU use (Node and the room's encoder), % of one core.
      server_core_pct: Number(pctOf(after.total - before.total, LEVEL_SECONDS).toFixed(1)),
      // The server's own CPU per request: what a listener costs, whatever else the machine runs.
      node_cpu_us_per_request: Math.round(((after.node - before.node) / TICKS_PER_S / Math.max(1, run.requests)) * 1e6),
      // The load generator's own CPU (it must not be the bottleneck).
      generator_cpu_pct: Number((((generator.user + generator.system) / 1e6 / LEVEL_SECONDS) * 100).toFixed(1)),
      // Other jobs at normal priority, which this niced bench yields to, % of all the machine's CPU.
      machine_unniced_pct: unnicedPct(machineBefore),
      load_average: loadAverage(),
    };
    cpuPerRequestUs.push(level.node_cpu_us_per_request);
    levels.push(level);
    console.log(`(b) ${JSON.stringify(level)}`);
    if (!ok) break;
    listeners = n;
    await sleep(2000);
  }
  let listenersLowLatency = 0;
  const llLevels: Record<string, unknown>[] = [];
  for (const n of LL_LEVELS) {
    const before = serverTicks();
    const machineBefore = machineTicks();
    const generatorBefore = process.cpuUsage();
    const ll = await runLowLatencyListeners({ url, roomId: room, listeners: n, seconds: LEVEL_SECONDS, segmentS: SEGMENT_S });
    const after = serverTicks();
    const generator = process.cpuUsage(generatorBefore);
    // Every part reached every listener while it was at most one part behind the live edge.
    const ok = ll.errors === 0 && ll.lateParts === 0 && ll.partsPerListenerPerS >= 2.5;
    const level = {
      ...ll,
      ok,
      server_core_pct: Number(pctOf(after.total - before.total, LEVEL_SECONDS).toFixed(1)),
      node_cpu_us_per_request: Math.round(((after.node - before.node) / TICKS_PER_S / Math.max(1, ll.requests)) * 1e6),
      // The load generator is one Node process: near 100% it, not the server, is the limit.
      generator_cpu_pct: Number((((generator.user + generator.system) / 1e6 / LEVEL_SECONDS) * 100).toFixed(1)),
      // Other jobs at normal priority, which this niced bench yields to, % of all the machine's CPU.
      machine_unniced_pct: unnicedPct(machineBefore),
      load_average: loadAverage(),
    };
    llLevels.push(level);
    console.log(`(b, LL-HLS) ${JSON.stringify(level)}`);
    if (!ok) break;
    listenersLowLatency = n;
    await sleep(2000);
  }
  Object.assign(result, { listeners_ll_hls: listenersLowLatency, listener_levels_ll_hls: llLevels });
  if (pinned) {
    await run('taskset', ['-a', '-p', '-c', cores.join(','), String(serverPid)]);
    await run('taskset', ['-a', '-p', '-c', cores.join(','), String(process.pid)]);
  }
  // A listener makes 2 requests per segment duration: the listeners a whole core would serve at
  // the CPU cost per request measured at the highest load (where fixed costs weigh least).
  const costUs = cpuPerRequestUs.at(-1)!;
  Object.assign(result, {
    listeners,
    listeners_server_pinned_to_one_core: pinned,
    listeners_by_cpu_cost: Math.floor(1e6 / ((2 / SEGMENT_S) * costUs)),
    node_cpu_us_per_request: costUs,
    listener_levels: levels,
  });
}
clearInterval(keepAlive);

// ---------------------------------------------------------------- (a) mood change → audible at the client
if (ONLY.has('a')) {
  const browser = await launchChromium();
  const page = await browser.newPage();
  const listenRoom = 'bench-listen';
  await page.goto(`${url}/listen/${listenRoom}`);
  await page.locator('moodify-player button', { hasText: 'Play' }).click();
  const playerExpr = `document.querySelector('moodify-listen').shadowRoot.querySelector('moodify-player')`;
  await page.waitForFunction(`${playerExpr}.audio.currentTime > 2`, undefined, { timeout: 30_000 });
  let nextId = 0;
  const switchLatencies: number[] = [];
  const liveLatencies: number[] = [];
  const pickReady: number[] = [];
  let missedSwitches = 0;
  for (let i = 0; i < SWITCHES; i++) {
    await sleep(10_000); // past the minimum play time of the track playing
    const id = ++nextId;
    const reply = await new Promise<{ track: { trackId: string }; requestedAt: number; error?: string }>((resolve) => {
      const onMessage = (m: { id: number }) => {
        if (m.id !== id) return;
        child.off('message', onMessage);
        resolve(m as never);
      };
      child.on('message', onMessage);
      child.send({ id, op: 'switch', roomId: listenRoom });
    });
    if (reply.error) throw new Error(reply.error);
    // The pick's first sample on the program-date clock, once the mixer has started it.
    let audibleAt: number | undefined;
    while (audibleAt === undefined) {
      const np = (await (await fetch(`${url}/api/rooms/${listenRoom}/now-playing`)).json()) as {
        history: { track: { trackId: string }; reason: string; audibleAtMs: number }[];
      };
      audibleAt = np.history
        .filter((e) => e.reason === 'mood' && e.track.trackId === reply.track.trackId && e.audibleAtMs >= reply.requestedAt - 5000)
        .at(-1)?.audibleAtMs;
      if (audibleAt === undefined) await sleep(50);
    }
    pickReady.push((Date.now() - reply.requestedAt) / 1000);
    try {
      await page.waitForFunction(`(${playerExpr}.hls?.playingDate?.getTime() ?? 0) >= ${audibleAt}`, undefined, {
        timeout: 30_000,
        polling: 20,
      });
    } catch {
      const state = await page.evaluate(
        `({ t: ${playerExpr}.audio.currentTime, paused: ${playerExpr}.audio.paused, date: ${playerExpr}.hls?.playingDate?.toISOString(), latency: ${playerExpr}.hls?.latency })`,
      );
      console.log(
        `(a) switch ${i + 1}: not heard within 30 s; player ${JSON.stringify(state)}, pick audible at ${new Date(audibleAt).toISOString()}`,
      );
      missedSwitches++;
      continue;
    }
    const latencyS = (Date.now() - reply.requestedAt) / 1000;
    switchLatencies.push(latencyS);
    const behindLive = (await page.evaluate(`${playerExpr}.hls.latency`)) as number;
    liveLatencies.push(behindLive);
    console.log(
      `(a) switch ${i + 1}: first sample of the new pick heard after ${latencyS.toFixed(2)} s (player ${behindLive.toFixed(2)} s behind the live edge)`,
    );
  }
  const lowLatency = (await page.evaluate(
    `Boolean(${playerExpr}.hls.config.lowLatencyMode && ${playerExpr}.hls.levels[0]?.details?.partList?.length)`,
  )) as boolean;
  await browser.close();
  Object.assign(result, {
    mood_to_audible_p50_s: Number(percentile(switchLatencies, 0.5).toFixed(2)),
    mood_to_audible_p95_s: Number(percentile(switchLatencies, 0.95).toFixed(2)),
    mood_switches: switchLatencies.length,
    mood_switches_not_heard_in_30s: missedSwitches,
    player_low_latency_hls: lowLatency,
    // From the request to the pick's first sample being mixed (decoder ready, next pacing tick).
    mood_to_mixed_p50_s: Number(percentile(pickReady, 0.5).toFixed(2)),
    player_behind_live_p50_s: Number(percentile(liveLatencies, 0.5).toFixed(2)),
    track_source: 'playlist of real music clips (the recommender was not wired into this measurement)',
  });
}
child.disconnect();

const load = loadAverage();
console.log(`machine load average at the end: ${load}`);
console.log(JSON.stringify({ ...result, load_average: load }));
process.exit(0);
