/**
 * Decodes one audio file with a single ffmpeg run: mono float PCM at ANALYSIS_RATE on stdout,
 * integrated loudness (EBU R128, ffmpeg's ebur128 filter on the original channels) and the
 * container's tags on stderr. The audio hash is taken over the decoded PCM, so the same
 * recording is recognised whatever the file is called.
 */
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';

import { ffmpegPath } from '../../media/ffmpeg-path.js';

export const ANALYSIS_RATE = 22050;

export interface DecodedAudio {
  samples: Float32Array;
  sampleRate: number;
  durationS: number;
  loudnessLufs: number;
  audioHash: string;
  tags: { title?: string; artist?: string; album?: string };
}

export class DecodeError extends Error {
  constructor(
    readonly file: string,
    detail: string,
  ) {
    super(`cannot decode ${file}: ${detail}`);
    this.name = 'DecodeError';
  }
}

/** Longest audio analysed (the rest of a very long file is not needed to know its mood). */
const MAX_SECONDS = 15 * 60;

export function decodeAudio(file: string, options: { maxSeconds?: number } = {}): Promise<DecodedAudio> {
  const maxSeconds = options.maxSeconds ?? MAX_SECONDS;
  const args = [
    '-hide_banner',
    '-nostdin',
    '-nostats',
    '-v',
    'info',
    '-t',
    String(maxSeconds),
    '-i',
    file,
    '-vn',
    '-sn',
    '-dn',
    '-af',
    `ebur128=framelog=verbose,aresample=${ANALYSIS_RATE}`,
    '-ac',
    '1',
    '-f',
    'f32le',
    '-acodec',
    'pcm_f32le',
    'pipe:1',
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(ffmpegPath(), args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    let stderr = '';
    const hash = crypto.createHash('sha256');
    child.stdout.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      hash.update(chunk);
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (stderr.length > 200_000) stderr = stderr.slice(-100_000);
    });
    child.on('error', (err) => reject(new DecodeError(file, `ffmpeg could not start (${err.message})`)));
    child.on('close', (code) => {
      const bytes = Buffer.concat(chunks);
      if (code !== 0 || bytes.length < 4 * ANALYSIS_RATE * 0.5) {
        const reason = lastErrorLine(stderr) || (code === 0 ? 'less than half a second of audio' : `ffmpeg exited with ${code}`);
        return reject(new DecodeError(file, reason));
      }
      // Copy into an aligned buffer: Buffer.concat may hand back a slice of a shared pool.
      const samples = new Float32Array(bytes.length >> 2);
      new Uint8Array(samples.buffer).set(bytes.subarray(0, samples.length * 4));
      resolve({
        samples,
        sampleRate: ANALYSIS_RATE,
        durationS: samples.length / ANALYSIS_RATE,
        loudnessLufs: parseIntegratedLoudness(stderr),
        audioHash: hash.digest('hex'),
        tags: parseTags(stderr),
      });
    });
  });
}

/** "Integrated loudness: I: -14.2 LUFS" from ebur128's summary; digital silence reports -70. */
export function parseIntegratedLoudness(stderr: string): number {
  const summary = stderr.slice(stderr.lastIndexOf('Summary:'));
  const match = /I:\s+(-?[\d.]+|-inf)\s+LUFS/.exec(summary);
  if (!match || match[1] === '-inf') return -70;
  return Math.max(-70, Number(match[1]));
}

/** The input's title / artist / album tags, from the metadata block ffmpeg prints for input #0. */
export function parseTags(stderr: string): DecodedAudio['tags'] {
  const input = stderr.slice(stderr.indexOf('Input #0'), stderr.indexOf('Output #0') >= 0 ? stderr.indexOf('Output #0') : undefined);
  const tags: DecodedAudio['tags'] = {};
  for (const key of ['title', 'artist', 'album'] as const) {
    const m = new RegExp(`^\\s+${key}\\s*:\\s*(.+)$`, 'im').exec(input);
    if (m?.[1]?.trim()) tags[key] = m[1].trim();
  }
  return tags;
}

function lastErrorLine(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const error = [...lines].reverse().find((l) => /error|invalid|could not|no such|not found|unknown/i.test(l));
  return (error ?? lines.at(-1) ?? '').slice(0, 300);
}
