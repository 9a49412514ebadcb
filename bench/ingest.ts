/**
 * npm run bench:ingest -- --participants N --seconds S [--no-browser] [--room-size K] [--join-timeout T]
 *
 * N synthetic senders (a real face clip, encoded once as the capture client sends it: VP8
 * 320×240 15 fps ~250 kbit/s + Opus; replayed from ONE separate process) plus one real headless
 * Chromium page join rooms of the real server (in this process), whose decoders deliver frames at
 * the analysis rate (5 fps). Prints the server side's CPU (Node + mediasoup workers + ffmpeg
 * decoders) as a share of the whole machine, the load generator's and Chromium's own shares, RSS
 * per participant, frames/s delivered and send → app latency p50/p95; last line one JSON object.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fork } from 'node:child_process';
import { parseArgs } from 'node:util';
import { startTestApp } from '../test/helpers/app.js';
import { launchChromium } from '../test/helpers/browser.js';
import { descendantPids } from '../test/helpers/server-process.js';
import { ferImages, makeFaceClip, makeSpeechWav, speechClips, tempDir } from '../test/helpers/test-media.js';
import { readFrameNumber, stampFrameNumbers } from './lib/frame-code.js';

const { values } = parseArgs({
  options: {
    participants: { type: 'string', default: '10' },
    seconds: { type: 'string', default: '20' },
    'room-size': { type: 'string', default: '10' },
    'no-browser': { type: 'boolean', default: false },
    // Decode only: measures the media spine without the emotion models.
    'no-analysis': { type: 'boolean', default: false },
    // An overloaded server can take minutes to accept joins: give up after T s with a figure.
    'join-timeout': { type: 'string', default: '180' },
  },
});
const participants = Number(values.participants);
const seconds = Number(values.seconds);
const FPS = 15;
const HZ = 100; // USER_HZ for /proc/<pid>/stat

function cpuTicks(pid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
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

// ---------------------------------------------------------------- server (this process)
// No bundled-library import: on an empty database the server would analyse ~30 tracks in a worker
// thread of this process, and that CPU would count as ingest's (it did before 2026-11-27).
process.env.MUSIC_BUNDLED_IMPORT = 'false';
const server = await startTestApp({
  LOG_LEVEL: 'error', ROOM_MAX_PARTICIPANTS: '1000', SIGNALLING_RATE_PER_SECOND: '1000',
  ANALYSIS_ENABLED: String(!values['no-analysis']),
});
const wsUrl = server.url.replace('http', 'ws') + '/ws';
const sendTimes = new Map<string, Map<number, number>>();
const latencies: number[] = [];
let framesDelivered = 0;
let measuring = false;
server.app.rooms.on('videoTap', ({ participantId, tap }) => {
  void (async () => {
    for await (const frame of tap.frames()) {
      if (!measuring) continue;
      framesDelivered++;
      const sent = sendTimes.get(participantId)?.get(readFrameNumber(frame.data));
      const receivedAt = performance.timeOrigin + frame.decodedAt;
      if (sent !== undefined && receivedAt >= sent) latencies.push(receivedAt - sent);
    }
  })();
});
const baselineRss = rssMb(process.pid) + server.app.services.workers.info().reduce((s, w) => s + rssMb(w.pid), 0);

// ---------------------------------------------------------------- load generator (its own process)
const generator = fork(path.join(import.meta.dirname, 'lib/load-generator.ts'), [wsUrl, String(participants), coded, speech.wav, String(values['room-size'])], {
  execArgv: ['--import', 'tsx'],
  stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
});
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
  console.log(`ingest benchmark: only ${joined} of ${participants} synthetic participants joined within ${values['join-timeout']} s (emotion models ${values['no-analysis'] ? 'off' : 'on'}): the server accepts joins too slowly to measure`);
  generator.kill('SIGKILL');
  await server.close();
  fs.rmSync(dir, { recursive: true, force: true });
  console.log(JSON.stringify({ participants, joined, join_timeout_s: Number(values['join-timeout']), analysis: !values['no-analysis'], error: 'join timeout' }));
  process.exit(1);
}

// ---------------------------------------------------------------- one real browser
const browser = values['no-browser'] ? undefined : await launchChromium({ videoFile: coded, audioFile: speech.wav });
if (browser) {
  const page = await browser.newPage();
  await page.goto(`${server.url}/room/bench-browser?autostart&name=chromium`);
}

// ---------------------------------------------------------------- measure
await new Promise((r) => setTimeout(r, 5000)); // warm-up: every decoder running
/** The processes measured, by part: this process (server and bench), and its descendants by command. */
type Part = 'node' | 'mediasoup' | 'ffmpeg' | 'chromium';
function processParts(): [number, Part][] {
  const parts: [number, Part][] = [[process.pid, 'node']];
  for (const pid of descendantPids(process.pid)) {
    const cmd = command(pid);
    const part = /mediasoup-worker/.test(cmd) ? 'mediasoup' : /ffmpeg/.test(cmd) ? 'ffmpeg' : /chrom/.test(cmd) ? 'chromium' : undefined;
    if (part) parts.push([pid, part]);
  }
  return parts;
}
// One /proc pass and one cmdline read per process per snapshot: the end snapshot's own cost lands in the window.
const snapshot = () => {
  const parts = { node: 0, mediasoup: 0, ffmpeg: 0, chromium: 0 };
  for (const [pid, part] of processParts()) parts[part] += cpuTicks(pid);
  return {
    server: parts.node + parts.mediasoup + parts.ffmpeg,
    parts,
    generator: cpuTicks(generator.pid!),
    chromium: parts.chromium,
    at: performance.now(),
  };
};
/** Face results the analysis produced so far (any status), from the server's own /metrics. */
async function faceResults(): Promise<number> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  return text
    .split('\n')
    .filter((line) => line.startsWith('moodify_analysis_results_total{') && line.includes('modality="face"'))
    .reduce((sum, line) => sum + Number(line.split(' ').at(-1)), 0);
}
const facesBefore = await faceResults();
const start = snapshot();
measuring = true;
await new Promise((r) => setTimeout(r, seconds * 1000));
measuring = false;
const end = snapshot();
const facesAnalysed = (await faceResults()) - facesBefore;
const wall = (end.at - start.at) / 1000;
const cores = os.availableParallelism();
const share = (ticks: number) => (100 * ticks) / HZ / wall / cores;
const serverProcesses = processParts().filter(([, part]) => part !== 'chromium');
const serverRss = serverProcesses.reduce((sum, [pid]) => sum + rssMb(pid), 0);
const decoders = serverProcesses.filter(([, part]) => part === 'ffmpeg').length;
const senders = participants + (browser ? 1 : 0);
latencies.sort((a, b) => a - b);

const result = {
  participants: senders,
  analysis: !values['no-analysis'],
  synthetic: participants,
  browser: browser ? 1 : 0,
  seconds: Math.round(wall * 10) / 10,
  cores,
  cpu_percent: Math.round(share(end.server - start.server) * 10) / 10,
  // The same, split: the Node process (signalling, frame and PCM parsing, models), the mediasoup workers
  // (RTP in and out) and the ffmpeg decoders. A decoder restarted mid-window makes ffmpeg's share an estimate.
  cpu_percent_by_part: Object.fromEntries(
    (['node', 'mediasoup', 'ffmpeg'] as const).map((part) => [part, Math.round(share(end.parts[part] - start.parts[part]) * 10) / 10]),
  ),
  generator_cpu_percent: Math.round(share(end.generator - start.generator) * 10) / 10,
  chromium_cpu_percent: Math.round(share(end.chromium - start.chromium) * 10) / 10,
  rss_per_participant_mb: Math.round(((serverRss - baselineRss) / senders) * 10) / 10,
  decoder_processes: decoders,
  frames_per_s: Math.round((framesDelivered / wall) * 10) / 10,
  frames_per_s_per_participant: Math.round((framesDelivered / wall / senders) * 100) / 100,
  // Frames the face analysis finished (a result of any status); it takes the newest frame of each
  // participant, so under load it analyses fewer than are delivered instead of falling behind.
  analysed_frames_per_s_per_participant: Math.round((facesAnalysed / wall / senders) * 100) / 100,
  latency_p50_ms: Math.round(quantile(latencies, 0.5)),
  latency_p95_ms: Math.round(quantile(latencies, 0.95)),
  latency_samples: latencies.length,
};

console.log(`ingest benchmark: ${senders} participants (${participants} synthetic + ${result.browser} Chromium), ${result.seconds} s, ${cores} cores, emotion models ${result.analysis ? 'on' : 'off'}`);
console.log(`  server side CPU (node + mediasoup + ffmpeg): ${result.cpu_percent}% of the machine`);
console.log(`    node ${result.cpu_percent_by_part.node}%, mediasoup workers ${result.cpu_percent_by_part.mediasoup}%, ffmpeg decoders ${result.cpu_percent_by_part.ffmpeg}%`);
console.log(`  load generator CPU: ${result.generator_cpu_percent}%   Chromium CPU: ${result.chromium_cpu_percent}%`);
console.log(`  memory (PSS) per participant: ${result.rss_per_participant_mb} MB   ffmpeg processes: ${decoders}`);
console.log(`  frames delivered: ${result.frames_per_s}/s (${result.frames_per_s_per_participant}/s per participant), analysed: ${result.analysed_frames_per_s_per_participant}/s per participant`);
console.log(`  send → app latency: p50 ${result.latency_p50_ms} ms, p95 ${result.latency_p95_ms} ms (${latencies.length} frames)`);

generator.send({ stop: true });
await new Promise((r) => generator.once('exit', r));
await browser?.close();
await server.close();
fs.rmSync(dir, { recursive: true, force: true });
console.log(JSON.stringify(result));
process.exit(0);
