/**
 * npm run bench:ingest -- --participants N[,N2,…] --seconds S [--no-browser] [--no-analysis] [--layers 1|2] [--room-size K]
 *                         [--join-timeout T] [--workers W] [--provider auto|cpu|cuda] [--steady-fps F] [--worker-nice 0-19]
 *
 * N synthetic senders (a real face clip, encoded once as the capture client sends it: VP8
 * 320×240 15 fps ~250 kbit/s in two temporal layers + Opus; replayed from ONE separate process) plus one real headless
 * Chromium page join rooms of the real server (in this process), whose decoders deliver frames at
 * the analysis rate (5 fps) to the analysis worker threads. Per row (one per N, each with a fresh
 * server) it prints the server side's CPU as a share of the whole machine (Node main thread, analysis
 * workers, mediasoup workers, ffmpeg decoders), the load generator's and Chromium's own shares, PSS per
 * participant, frames/s delivered and analysed (mean and the least/most served participant), speech
 * windows analysed vs due, send → app and send → face result latency p50/p95, the main event loop's
 * lag p99 and /proc/loadavg before and after. The last line is one JSON object: the last row's
 * figures, and every row under `rows`.
 */
import { fork } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';

import { startTestApp } from '../test/helpers/app.js';
import { launchChromium } from '../test/helpers/browser.js';
import { descendantPids } from '../test/helpers/server-process.js';
import { ferImages, makeFaceClip, makeSpeechWav, speechClips, tempDir } from '../test/helpers/test-media.js';
import { readFrameNumber, stampFrameNumbers } from './lib/frame-code.js';

const { values } = parseArgs({
  options: {
    participants: { type: 'string', default: '10' },
    workers: { type: 'string', default: '0' },
    // ANALYSIS_STEADY_FPS: a lower face rate while a participant's expression stays the same (0 = off)
    'steady-fps': { type: 'string', default: '0' },
    // ANALYSIS_WORKER_NICE (default 5): 0 puts the models at the priority of everything else on the machine
    'worker-nice': { type: 'string', default: '5' },
    provider: { type: 'string', default: process.env.MODELS_EXECUTION_PROVIDER ?? 'auto' },
    seconds: { type: 'string', default: '20' },
    'room-size': { type: 'string', default: '10' },
    'no-browser': { type: 'boolean', default: false },
    // Decode only: measures the media spine without the emotion models.
    'no-analysis': { type: 'boolean', default: false },
    // Temporal layers the senders code: 2 (the decoder takes the 7.5 fps base layer), or 1 (every decoder
    // decodes all 15 frames/s: before 2026-12-07). An L1T3 replay was tried on 2026-12-08 and dropped: mediasoup
    // forwarded its base layer to most analysis consumers and not the preferred middle one (bench/RESULTS.md).
    layers: { type: 'string', default: '2' },
    // An overloaded server can take minutes to accept joins: give up after T s with a figure.
    'join-timeout': { type: 'string', default: '180' },
  },
});
const rowsWanted = values.participants.split(',').map(Number);
const seconds = Number(values.seconds);
if (rowsWanted.some((n) => !(n > 0)) || !(seconds > 0))
  throw new Error('--participants takes positive counts (20 or 20,30,40) and --seconds a positive number');
const FPS = 15;
const HZ = 100; // USER_HZ for /proc/<pid>/stat

/** CPU time of a process, or of one of its threads. */
function cpuTicks(pid: number, tid?: number): number {
  try {
    const stat = fs.readFileSync(tid === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${tid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]); // utime + stime
  } catch {
    return 0;
  }
}
/** Proportional set size: shared pages (ffmpeg's codec libraries) split among the processes sharing them. */
function rssMb(pid: number): number {
  try {
    return Number(/Pss:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))![1]) / 1024;
  } catch {
    return 0;
  }
}
function command(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0] ?? '';
  } catch {
    return '';
  }
}
/** Mean per-second count per group, with the group's size: { "worker 0": "2.1 (25)" }. */
function groupMean(counts: Map<string, number>, groupOf: (id: string) => string, seconds: number): Record<string, string> {
  const groups = new Map<string, number[]>();
  for (const [id, n] of counts) {
    const key = groupOf(id);
    groups.set(key, [...(groups.get(key) ?? []), n / seconds]);
  }
  return Object.fromEntries(
    [...groups].sort().map(([key, v]) => [key, `${(v.reduce((a, b) => a + b, 0) / v.length).toFixed(2)} (${v.length})`]),
  );
}
function loadavg(): string {
  return fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
}
function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

// ---------------------------------------------------------------- media, made once
const dir = tempDir('moodify-bench-ingest-');
const faces = makeFaceClip([...ferImages('happy', 3), ...ferImages('sad', 3)], path.join(dir, 'faces.y4m'));
const coded = path.join(dir, 'coded.y4m');
stampFrameNumbers(faces.y4m, coded, FPS, 6);
const speech = makeSpeechWav(speechClips(2), path.join(dir, 'speech.wav'));

// ---------------------------------------------------------------- one row: a fresh server and senders

async function runRow(participants: number): Promise<Record<string, unknown>> {
  const loadBefore = loadavg();
  const server = await startTestApp({
    // No bundled-library import: on an empty database the server would analyse ~30 tracks in a worker
    // thread of this process, and that CPU would count as ingest's (it did before 2026-11-27, and again
    // from the typed config of 2026-12-07, which reads the env it is given, not process.env, until 2026-12-08).
    MUSIC_BUNDLED_IMPORT: 'false',
    LOG_LEVEL: 'error',
    ROOM_MAX_PARTICIPANTS: '1000',
    SIGNALLING_RATE_PER_SECOND: '1000',
    ANALYSIS_ENABLED: String(!values['no-analysis']),
    ANALYSIS_WORKERS: values.workers,
    MODELS_EXECUTION_PROVIDER: values.provider,
    ANALYSIS_STEADY_FPS: values['steady-fps'],
    ANALYSIS_WORKER_NICE: values['worker-nice'],
  });
  const pool = server.app.services.analysis?.pool;
  const wsUrl = server.url.replace('http', 'ws') + '/ws';
  const sendTimes = new Map<string, Map<number, number>>();
  /** per participant: decoded frame seq → its frame number (to time a face result from its frame's send) */
  const frameNumbers = new Map<string, Map<number, number>>();
  const latencies: number[] = [];
  const resultLatencies: number[] = [];
  const analysedBy = new Map<string, number>();
  let framesDelivered = 0;
  let measuring = false;
  const videoTaps = new Map<string, { temporalLayer: number | undefined; forwardedTemporalLayer: number | undefined }>();
  server.app.rooms.on('videoTap', ({ participantId, tap }) => {
    videoTaps.set(participantId, tap);
    void (async () => {
      for await (const frame of tap.frames()) {
        const number = readFrameNumber(frame.data);
        let numbers = frameNumbers.get(participantId);
        if (!numbers) frameNumbers.set(participantId, (numbers = new Map()));
        numbers.set(frame.seq, number);
        numbers.delete(frame.seq - 100);
        if (!measuring) continue;
        framesDelivered++;
        const sent = sendTimes.get(participantId)?.get(number);
        const receivedAt = performance.timeOrigin + frame.decodedAt;
        if (sent !== undefined && receivedAt >= sent) latencies.push(receivedAt - sent);
      }
    })();
  });
  server.app.services.events.on('analysisResult', (e) => {
    if (!measuring || e.modality !== 'face' || e.frameSeq === undefined) return;
    analysedBy.set(e.participantId, (analysedBy.get(e.participantId) ?? 0) + 1);
    const number = frameNumbers.get(e.participantId)?.get(e.frameSeq);
    const sent = number === undefined ? undefined : sendTimes.get(e.participantId)?.get(number);
    const now = performance.timeOrigin + performance.now();
    if (sent !== undefined && now >= sent) resultLatencies.push(now - sent);
  });
  const baselineRss = rssMb(process.pid) + server.app.services.workers.info().reduce((s, w) => s + rssMb(w.pid), 0);

  // -------------------------------------------------------------- load generator (its own process)
  const generator = fork(
    path.join(import.meta.dirname, 'lib/load-generator.ts'),
    [wsUrl, String(participants), coded, speech.wav, String(values['room-size']), values.layers === '1' ? '1' : '2'],
    {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    },
  );
  let joined = 0;
  const ready = await new Promise<boolean>((resolve, reject) => {
    const timer = setTimeout(() => resolve(false), Number(values['join-timeout']) * 1000);
    generator.on('message', (message: { ready?: boolean; joined?: number; participantId?: string; frame?: number; sentAt?: number }) => {
      if (message.joined !== undefined) joined = message.joined;
      if (message.ready) {
        clearTimeout(timer);
        resolve(true);
      }
      if (message.participantId !== undefined && message.frame !== undefined) {
        let times = sendTimes.get(message.participantId);
        if (!times) sendTimes.set(message.participantId, (times = new Map()));
        times.set(message.frame, message.sentAt!);
      }
    });
    generator.once('exit', (code) => reject(new Error(`load generator exited (${code})`)));
  });
  if (!ready) {
    // Saturated before every participant could join: say how far it got rather than hang.
    console.log(
      `ingest benchmark: only ${joined} of ${participants} synthetic participants joined within ${values['join-timeout']} s (emotion models ${values['no-analysis'] ? 'off' : 'on'}): the server accepts joins too slowly to measure`,
    );
    generator.kill('SIGKILL');
    await server.close();
    return {
      participants,
      joined,
      join_timeout_s: Number(values['join-timeout']),
      analysis: !values['no-analysis'],
      error: 'join timeout',
    };
  }

  // -------------------------------------------------------------- one real browser
  const browser = values['no-browser'] ? undefined : await launchChromium({ videoFile: coded, audioFile: speech.wav });
  if (browser) {
    const page = await browser.newPage();
    await page.goto(`${server.url}/room/bench-browser?autostart&name=chromium`);
  }

  // -------------------------------------------------------------- measure
  await new Promise((r) => setTimeout(r, 5000)); // warm-up: every decoder running
  /** The processes measured, by part: this process (server and bench), and its descendants by command. */
  type Part = 'node' | 'mediasoup' | 'ffmpeg' | 'chromium';
  const processParts = (): [number, Part][] => {
    const parts: [number, Part][] = [[process.pid, 'node']];
    for (const pid of descendantPids(process.pid)) {
      const cmd = command(pid);
      const part = /mediasoup-worker/.test(cmd) ? 'mediasoup' : /ffmpeg/.test(cmd) ? 'ffmpeg' : /chrom/.test(cmd) ? 'chromium' : undefined;
      if (part) parts.push([pid, part]);
    }
    return parts;
  };
  // The analysis workers are threads of this process: their CPU, read per thread, is split out of node's.
  const workerTicks = () => (pool?.threadIds() ?? []).reduce((sum, tid) => sum + cpuTicks(process.pid, tid), 0);
  // One /proc pass and one cmdline read per process per snapshot: the end snapshot's own cost lands in the window.
  const snapshot = () => {
    const parts = { node: 0, workers: workerTicks(), mediasoup: 0, ffmpeg: 0, chromium: 0 };
    for (const [pid, part] of processParts()) parts[part] += cpuTicks(pid);
    parts.node -= parts.workers;
    return {
      server: parts.node + parts.workers + parts.mediasoup + parts.ffmpeg,
      parts,
      generator: cpuTicks(generator.pid!),
      chromium: parts.chromium,
      at: performance.now(),
    };
  };
  /** Analysis results so far by modality and status, from the server's own /metrics. */
  const analysisResults = async (): Promise<{ face: number; voice: number; speech: number }> => {
    const lines = (await (await fetch(`${server.url}/metrics`)).text())
      .split('\n')
      .filter((line) => line.startsWith('moodify_analysis_results_total{'));
    const sum = (test: (line: string) => boolean) => lines.filter(test).reduce((n, line) => n + Number(line.split(' ').at(-1)), 0);
    return {
      face: sum((l) => l.includes('modality="face"')),
      voice: sum((l) => l.includes('modality="voice"') && !l.includes('status="error"')),
      speech: sum((l) => l.includes('modality="voice"') && l.includes('status="ok"')),
    };
  };
  const lag = monitorEventLoopDelay({ resolution: 10 });
  const resultsBefore = await analysisResults();
  const quickBefore = pool?.stats.framesQuick ?? 0;
  const handedBefore = (pool?.stats.framesSubmitted ?? 0) - (pool?.stats.framesSkipped ?? 0);
  const start = snapshot();
  lag.enable();
  measuring = true;
  const loadDuring: string[] = [];
  const loadTimer = setInterval(() => loadDuring.push(loadavg()), (seconds * 1000) / 2);
  await new Promise((r) => setTimeout(r, seconds * 1000));
  clearInterval(loadTimer);
  measuring = false;
  lag.disable();
  const end = snapshot();
  const resultsAfter = await analysisResults();
  const quickFrames = (pool?.stats.framesQuick ?? 0) - quickBefore;
  const handedFrames = (pool?.stats.framesSubmitted ?? 0) - (pool?.stats.framesSkipped ?? 0) - handedBefore;
  const wall = (end.at - start.at) / 1000;
  const cores = os.availableParallelism();
  const share = (ticks: number) => (100 * ticks) / HZ / wall / cores;
  const serverProcesses = processParts().filter(([, part]) => part !== 'chromium');
  const serverRss = serverProcesses.reduce((sum, [pid]) => sum + rssMb(pid), 0);
  const decoders = serverProcesses.filter(([, part]) => part === 'ffmpeg').length;
  const senders = participants + (browser ? 1 : 0);
  latencies.sort((a, b) => a - b);
  resultLatencies.sort((a, b) => a - b);
  const perParticipant = [...analysedBy.values()].map((n) => n / wall).sort((a, b) => a - b);
  while (perParticipant.length < senders) perParticipant.unshift(0); // a participant with no result at all
  const round1 = (v: number) => Math.round(v * 10) / 10;
  const round2 = (v: number) => Math.round(v * 100) / 100;

  const result = {
    participants: senders,
    analysis: !values['no-analysis'],
    synthetic: participants,
    browser: browser ? 1 : 0,
    seconds: round1(wall),
    cores,
    analysis_workers: pool?.size ?? 0,
    provider: pool?.provider ?? 'none',
    cpu_percent: round1(share(end.server - start.server)),
    // The same, split: the Node main thread (signalling, frame and PCM routing, fusion, HTTP), the analysis
    // worker threads (models with their pre- and post-processing), the mediasoup workers (RTP in and out)
    // and the ffmpeg decoders. A decoder restarted mid-window makes ffmpeg's share an estimate.
    cpu_percent_by_part: Object.fromEntries(
      (['node', 'workers', 'mediasoup', 'ffmpeg'] as const).map((part) => [part, round1(share(end.parts[part] - start.parts[part]))]),
    ),
    generator_cpu_percent: round1(share(end.generator - start.generator)),
    chromium_cpu_percent: round1(share(end.chromium - start.chromium)),
    rss_per_participant_mb: round1((serverRss - baselineRss) / senders),
    decoder_processes: decoders,
    frames_per_s: round1(framesDelivered / wall),
    frames_per_s_per_participant: round2(framesDelivered / wall / senders),
    // Face results (any status) per second per participant; the analysis takes each participant's newest
    // frame, so under load it analyses fewer than are delivered instead of falling behind.
    analysed_frames_per_s_per_participant: round2((resultsAfter.face - resultsBefore.face) / wall / senders),
    // share of the analysed frames a worker that was behind analysed the cheaper way (no test-time mirror)
    quick_frame_share: handedFrames > 0 ? round2(quickFrames / handedFrames) : 0,
    // fairness: the least and the most analysed participant
    analysed_min_per_s: round2(perParticipant[0] ?? 0),
    analysed_max_per_s: round2(perParticipant.at(-1) ?? 0),
    // where the unevenness comes from: mean analysed frames/s of the participants on each worker, and of
    // those whose decoder got each temporal layer at the end of the window
    analysed_by_worker: groupMean(analysedBy, (id) => `worker ${pool?.slotOf(id) ?? '?'}`, wall),
    analysed_by_layer: groupMean(
      analysedBy,
      (id) => `layer ${videoTaps.get(id)?.temporalLayer ?? '-'} (forwarded ${videoTaps.get(id)?.forwardedTemporalLayer ?? '-'})`,
      wall,
    ),
    // every participant's voice stream evaluates a window per second of audio (hop 1 s): due = senders × seconds
    speech_windows_analysed: resultsAfter.voice - resultsBefore.voice,
    speech_windows_due: Math.floor(senders * wall),
    speech_windows_with_speech: resultsAfter.speech - resultsBefore.speech,
    latency_p50_ms: Math.round(quantile(latencies, 0.5)),
    latency_p95_ms: Math.round(quantile(latencies, 0.95)),
    latency_samples: latencies.length,
    result_latency_p50_ms: Math.round(quantile(resultLatencies, 0.5)),
    result_latency_p95_ms: Math.round(quantile(resultLatencies, 0.95)),
    result_latency_samples: resultLatencies.length,
    event_loop_lag_p99_ms: round1(lag.percentile(99) / 1e6),
    event_loop_lag_max_ms: round1(lag.max / 1e6),
    loadavg_before: loadBefore,
    loadavg_during: loadDuring,
    loadavg_after: loadavg(),
  };

  console.log(
    `ingest benchmark: ${senders} participants (${participants} synthetic + ${result.browser} Chromium), ${result.seconds} s, ${cores} cores, emotion models ${result.analysis ? `on (${result.analysis_workers} ${result.provider} worker threads)` : 'off'}`,
  );
  console.log(`  load average (1/5/15 min): before ${loadBefore}, during ${loadDuring.join(' | ')}, after ${result.loadavg_after}`);
  console.log(`  server side CPU: ${result.cpu_percent}% of the machine`);
  console.log(
    `    node main thread ${result.cpu_percent_by_part.node}%, analysis workers ${result.cpu_percent_by_part.workers}%, mediasoup workers ${result.cpu_percent_by_part.mediasoup}%, ffmpeg decoders ${result.cpu_percent_by_part.ffmpeg}%`,
  );
  console.log(`  load generator CPU: ${result.generator_cpu_percent}%   Chromium CPU: ${result.chromium_cpu_percent}%`);
  console.log(`  memory (PSS) per participant: ${result.rss_per_participant_mb} MB   ffmpeg processes: ${decoders}`);
  console.log(
    `  frames delivered: ${result.frames_per_s}/s (${result.frames_per_s_per_participant}/s per participant), analysed: ${result.analysed_frames_per_s_per_participant}/s per participant (least ${result.analysed_min_per_s}, most ${result.analysed_max_per_s}; ${Math.round(100 * result.quick_frame_share)}% the quick way)`,
  );
  console.log(`    by worker ${JSON.stringify(result.analysed_by_worker)}, by decoded layer ${JSON.stringify(result.analysed_by_layer)}`);
  console.log(
    `  speech windows analysed: ${result.speech_windows_analysed} of ${result.speech_windows_due} due (${result.speech_windows_with_speech} with speech)`,
  );
  console.log(`  send → app latency: p50 ${result.latency_p50_ms} ms, p95 ${result.latency_p95_ms} ms (${latencies.length} frames)`);
  console.log(
    `  send → face result latency: p50 ${result.result_latency_p50_ms} ms, p95 ${result.result_latency_p95_ms} ms (${resultLatencies.length} results)`,
  );
  console.log(`  main event loop lag: p99 ${result.event_loop_lag_p99_ms} ms, max ${result.event_loop_lag_max_ms} ms`);

  generator.send({ stop: true });
  await new Promise((r) => generator.once('exit', r));
  await browser?.close();
  await server.close();
  return result;
}

const rows: Record<string, unknown>[] = [];
for (const n of rowsWanted) rows.push(await runRow(n));
fs.rmSync(dir, { recursive: true, force: true });
if (rows.length > 1) {
  console.log(
    '| participants | server CPU (node / workers / mediasoup / ffmpeg) | analysed fps each (least–most) | speech windows analysed / due | send → result p50 / p95 | event-loop lag p99 | PSS / participant | load before → after |',
  );
  console.log('|---|---|---|---|---|---|---|---|');
  // The rows are this file's own JSON rows (runRow), printed field by field.
  for (const r of rows as (Record<string, string | number> & { cpu_percent_by_part: Record<string, number> })[]) {
    if (r.error) {
      console.log(`| ${r.participants} | ${r.error}: ${r.joined} joined | | | | | | |`);
      continue;
    }
    const p = r.cpu_percent_by_part;
    console.log(
      `| ${r.participants} | ${r.cpu_percent}% (${p.node} / ${p.workers} / ${p.mediasoup} / ${p.ffmpeg}) | ${r.analysed_frames_per_s_per_participant} (${r.analysed_min_per_s}–${r.analysed_max_per_s}) | ${r.speech_windows_analysed} / ${r.speech_windows_due} | ${r.result_latency_p50_ms} / ${r.result_latency_p95_ms} ms | ${r.event_loop_lag_p99_ms} ms | ${r.rss_per_participant_mb} MB | ${r.loadavg_before} → ${r.loadavg_after} |`,
    );
  }
}
const last = rows.at(-1)!;
console.log(JSON.stringify({ ...last, rows }));
process.exit(rows.some((r) => r.error) ? 1 : 0);
