/**
 * node --import tsx bench/analysis-cost.ts [--participants 10] [--seconds 15] [--fps 5] [--tracking on|off] [--only face|voice]
 *
 * CPU time the analysis workers spend per participant, measured on their own threads (/proc/…/task/TID),
 * so it holds on a busy machine where wall-clock figures do not: N participants each send a real face
 * (FER-2013 fixtures, with camera noise, on the 320×240 canvas) at --fps and real speech (RAVDESS
 * fixtures, looped) in 20 ms chunks, in real time, to a pool of ONE worker. A starved worker analyses
 * fewer frames (latest wins) and falls behind on audio, so the figures that hold under load are per unit
 * of work done: --only face gives CPU ms per analysed frame, --only voice CPU ms per second of audio
 * analysed (one voice window each). Both together give what 50 participants at 5 fps would cost. Last
 * line: one JSON object.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';

import type { VideoFrame } from '../media/types.js';
import { faceOnCanvas, readGray } from '../models/face/decode.js';
import { AnalysisPool } from '../models/runtime/analysis-pool.js';
import { readWav } from '../models/voice/wav.js';

const { values } = parseArgs({
  options: {
    participants: { type: 'string', default: '10' },
    seconds: { type: 'string', default: '15' },
    fps: { type: 'string', default: '5' },
    tracking: { type: 'string', default: 'on' },
    only: { type: 'string', default: '' },
  },
});
const N = Number(values.participants);
const seconds = Number(values.seconds);
const fps = Number(values.fps);
const FIX = path.join(import.meta.dirname, '../models/fixtures');
const faces = fs
  .readdirSync(path.join(FIX, 'face'))
  .filter((f) => f.endsWith('.jpg'))
  .map((f) => readGray(path.join(FIX, 'face', f)));
const speech = fs
  .readdirSync(path.join(FIX, 'voice/speaker14'))
  .filter((f) => f.endsWith('.wav'))
  .map((f) => readWav(path.join(FIX, 'voice/speaker14', f)).samples);
const pcm = new Int16Array(speech.reduce((n, s) => n + s.length, 0));
speech.reduce((o, s) => (pcm.set(s, o), o + s.length), 0);

const ticks = (tid: number) => {
  const stat = fs.readFileSync(`/proc/${process.pid}/task/${tid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(f[11]) + Number(f[12]);
};
const loadavg = () => fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

const pool = await AnalysisPool.create({
  provider: 'cpu',
  workers: 1,
  tracking: values.tracking === 'off' ? false : {},
  logger: { info: () => {}, warn: (m) => console.error(m) },
});
const tid = pool.threadIds()[0]!;
let faceResults = 0;
let voiceResults = 0;
let speechWindows = 0;
pool.on('face', () => faceResults++);
pool.on('voice', (v) => (voiceResults++, v.result.status === 'ok' && speechWindows++));

/** One participant's face, with fresh camera noise per frame, on shared memory. */
function frameOf(p: number, seq: number): VideoFrame {
  const base = faceOnCanvas(faces[Math.floor(seq / (fps * 3) + p) % faces.length]!, { participantId: `p${p}` });
  const data = new Uint8Array(new SharedArrayBuffer(base.data.length));
  for (let i = 0; i < data.length; i++) data[i] = Math.max(0, Math.min(255, base.data[i]! + (((i * 31 + seq * 17) % 7) - 3)));
  return { ...base, data, seq, decodedAt: performance.now() };
}

const loadBefore = loadavg();
const startTicks = ticks(tid);
const t0 = performance.now();
let sent = 0;
let chunk = 0;
const video = setInterval(() => {
  if (values.only === 'voice') return;
  const seq = Math.round(((performance.now() - t0) / 1000) * fps);
  for (let p = 0; p < N; p++) {
    pool.submitFrame(frameOf(p, seq));
    sent++;
  }
}, 1000 / fps);
const audio = setInterval(() => {
  if (values.only === 'face') return;
  // catch up to real time in 20 ms chunks
  const due = Math.floor((performance.now() - t0) / 20);
  for (; chunk < due; chunk++) {
    const at = (chunk * 320) % (pcm.length - 320);
    for (let p = 0; p < N; p++) {
      const samples = new Int16Array(new SharedArrayBuffer(640));
      samples.set(pcm.subarray(at, at + 320));
      pool.pushAudio({ participantId: `p${p}`, sampleRate: 16000, samples, index: chunk, receivedAt: performance.now() });
    }
  }
}, 20);
await new Promise((r) => setTimeout(r, seconds * 1000));
clearInterval(video);
clearInterval(audio);
const wall = (performance.now() - t0) / 1000;
const cpuMs = (ticks(tid) - startTicks) * 10;
await pool.close();
const perParticipantSecond = cpuMs / N / wall;
const result = {
  participants: N,
  seconds: Math.round(wall * 10) / 10,
  fps,
  tracking: values.tracking !== 'off',
  only: values.only || 'both',
  worker_cpu_ms_per_participant_second: Math.round(perParticipantSecond * 10) / 10,
  ...(values.only === 'face' && { worker_cpu_ms_per_frame: Math.round((cpuMs / Math.max(1, faceResults)) * 100) / 100 }),
  ...(values.only === 'voice' && { worker_cpu_ms_per_audio_second: Math.round((cpuMs / Math.max(1, voiceResults)) * 100) / 100 }),
  frames_sent: sent,
  frames_analysed: faceResults,
  voice_windows: voiceResults,
  speech_windows: speechWindows,
  loadavg_before: loadBefore,
  loadavg_after: loadavg(),
};
console.log(
  `analysis cost: ${N} participants × ${result.seconds} s, faces at ${fps} fps + speech, one worker, box reuse ${result.tracking ? 'on' : 'off'}; load ${loadBefore} → ${result.loadavg_after}`,
);
console.log(
  `  worker CPU: ${result.worker_cpu_ms_per_participant_second} ms per participant-second at the rate achieved${result.worker_cpu_ms_per_frame !== undefined ? `; ${result.worker_cpu_ms_per_frame} ms per analysed frame` : ''}${result.worker_cpu_ms_per_audio_second !== undefined ? `; ${result.worker_cpu_ms_per_audio_second} ms per second of audio analysed` : ''}`,
);
console.log(`  frames analysed ${faceResults} of ${sent} sent; voice windows ${voiceResults} (${speechWindows} with speech)`);
console.log(JSON.stringify(result));
