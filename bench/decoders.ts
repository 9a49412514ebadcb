/**
 * node --import tsx bench/decoders.ts [--participants 50] [--seconds 20] [--fps 15]
 *
 * One ffmpeg per participant decoding both of its streams, or two (one per stream, as media/ingest runs
 * them)? Runs N participants' decoders both ways on the same real clip (FER faces + RAVDESS speech,
 * VP8 320×240 at --fps ~250 kbit/s + Opus 32 kbit/s, replayed in real time with -re) with the ingest's
 * own output options (media/ingest/decoder-args.ts: 5 fps RGB 320×240, 16 kHz PCM), and prints the CPU
 * the decoders used (share of the whole machine, from /proc, so other work on the machine costs them
 * little) and their PSS. RTP reception is not part of it (files, not sockets): it measures the decoding
 * and the per-process cost that one process per participant would save. Last line: one JSON object.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

import { ffmpegPath } from '../media/ffmpeg-path.js';
import { audioOutputOptions, videoOutputOptions } from '../media/ingest/decoder-args.js';
import { ferImages, makeFaceClip, makeSpeechWav, speechClips, tempDir } from '../test/helpers/test-media.js';
import { vp8CameraArgs } from './lib/rtp-replay.js';

const { values } = parseArgs({
  options: {
    participants: { type: 'string', default: '50' },
    seconds: { type: 'string', default: '20' },
    fps: { type: 'string', default: '15' },
  },
});
const N = Number(values.participants);
const seconds = Number(values.seconds);
const FFMPEG = ffmpegPath();
const HZ = 100;

const dir = tempDir('moodify-bench-decoders-');
const faces = makeFaceClip([...ferImages('happy', 3), ...ferImages('sad', 3)], path.join(dir, 'faces.y4m'));
const speech = makeSpeechWav(speechClips(2), path.join(dir, 'speech.wav'));
const vp8 = vp8CameraArgs(Number(values.fps), Number(values.fps));
const opus = ['-c:a', 'libopus', '-b:a', '32k', '-ac', '1', '-ar', '48000'];
const ff = (args: string[]) => execFileSync(FFMPEG, ['-hide_banner', '-loglevel', 'error', '-y', ...args]);
const both = path.join(dir, 'both.webm');
const video = path.join(dir, 'video.webm');
const audio = path.join(dir, 'audio.webm');
ff(['-i', faces.y4m, '-stream_loop', '-1', '-i', speech.wav, '-t', '6', '-map', '0:v', '-map', '1:a', ...vp8, ...opus, both]);
ff(['-i', both, '-map', '0:v', '-c', 'copy', video]);
ff(['-i', both, '-map', '0:a', '-c', 'copy', audio]);

const input = (file: string) => [
  '-hide_banner',
  '-nostdin',
  '-loglevel',
  'error',
  '-re',
  '-stream_loop',
  '-1',
  '-threads',
  '1',
  '-i',
  file,
];
const videoOut = videoOutputOptions({ fps: 5, width: 320, height: 240 });
const audioOut = audioOutputOptions();

/** Bytes of decoded output, by kind, while measuring: shows whether the decoders kept real time. */
const out = { video: 0, audio: 0, counting: false };
function start(args: string[], extraPipe: boolean, firstKind: 'video' | 'audio'): ChildProcess {
  const child = spawn(FFMPEG, args, { stdio: ['ignore', 'pipe', 'ignore', ...(extraPipe ? (['pipe'] as const) : [])] });
  child.stdout!.on('data', (d: Buffer) => out.counting && (out[firstKind] += d.length));
  if (extraPipe) (child.stdio[3] as NodeJS.ReadableStream).on('data', (d: Buffer) => out.counting && (out.audio += d.length));
  return child;
}

function ticks(pid: number): number {
  try {
    const f = fs
      .readFileSync(`/proc/${pid}/stat`, 'utf8')
      .slice(fs.readFileSync(`/proc/${pid}/stat`, 'utf8').lastIndexOf(')') + 2)
      .split(' ');
    return Number(f[11]) + Number(f[12]);
  } catch {
    return 0;
  }
}
function pssMb(pid: number): number {
  try {
    return Number(/Pss:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))![1]) / 1024;
  } catch {
    return 0;
  }
}
const loadavg = () => fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

async function measure(mode: 'one' | 'two'): Promise<Record<string, unknown>> {
  const children: ChildProcess[] = [];
  for (let i = 0; i < N; i++) {
    if (mode === 'one') {
      // one process, two outputs: video frames on stdout, PCM on fd 3
      children.push(
        start(
          [
            ...input(both),
            '-map',
            '0:v',
            ...videoOut.filter((a) => a !== '-an'),
            '-map',
            '0:a',
            ...audioOut.filter((a) => a !== '-vn').slice(0, -1),
            'pipe:3',
          ],
          true,
          'video',
        ),
      );
    } else {
      children.push(start([...input(video), ...videoOut], false, 'video'));
      children.push(start([...input(audio), ...audioOut], false, 'audio'));
    }
  }
  const loadBefore = loadavg();
  await new Promise((r) => setTimeout(r, 4000)); // warm-up
  const t0 = performance.now();
  const before = children.map((c) => ticks(c.pid!));
  out.video = 0;
  out.audio = 0;
  out.counting = true;
  await new Promise((r) => setTimeout(r, seconds * 1000));
  out.counting = false;
  const after = children.map((c) => ticks(c.pid!));
  const wall = (performance.now() - t0) / 1000;
  const pss = children.reduce((s, c) => s + pssMb(c.pid!), 0);
  const alive = children.filter((c) => c.exitCode === null).length;
  await Promise.all(children.map((c) => new Promise((r) => (c.exitCode !== null ? r(null) : (c.once('exit', r), c.kill('SIGKILL'))))));
  const used = after.reduce((s, t, i) => s + t - before[i]!, 0);
  const cpu = (100 * used) / HZ / wall / os.availableParallelism();
  return {
    mode,
    participants: N,
    processes: children.length,
    alive,
    cpu_percent: Math.round(cpu * 10) / 10,
    // real time is 5 frames/s and 1.0 s of PCM per second per participant
    video_fps_per_participant: Math.round((out.video / (320 * 240 * 3) / wall / N) * 100) / 100,
    audio_realtime: Math.round((out.audio / 32000 / wall / N) * 100) / 100,
    pss_mb_per_participant: Math.round((pss / N) * 10) / 10,
    loadavg_before: loadBefore,
    loadavg_after: loadavg(),
  };
}

const rows = [await measure('two'), await measure('one')];
fs.rmSync(dir, { recursive: true, force: true });
console.log(
  `decoders: ${N} participants, ${seconds} s, VP8 ${values.fps} fps + Opus → 5 fps RGB + 16 kHz PCM, ${os.availableParallelism()} cores`,
);
console.log(
  '| decoders | processes | CPU (share of the machine) | frames/s each (5 = real time) | PCM (1 = real time) | PSS per participant | load before → after |',
);
console.log('|---|---|---|---|---|---|---|');
for (const r of rows)
  console.log(
    `| ${r.mode === 'one' ? 'one per participant' : 'one per stream (shipped)'} | ${r.processes} (${r.alive} alive at the end) | ${r.cpu_percent}% | ${r.video_fps_per_participant} | ${r.audio_realtime} | ${r.pss_mb_per_participant} MB | ${r.loadavg_before} → ${r.loadavg_after} |`,
  );
console.log(JSON.stringify({ rows }));
