/**
 * Test media made from the real labelled data in ../shared/data at test time (never committed):
 * a y4m camera clip of FER-2013 faces (upscaled, centred on a larger canvas) and a wav of RAVDESS
 * speech, plus the reference frames / PCM the server's output is compared with.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { ffmpegPath } from '../../media/ffmpeg-path.js';
import { ROOT } from './server-process.js';

export const SHARED_DATA = path.resolve(ROOT, '..', 'shared', 'data');
const FFMPEG = ffmpegPath();

export function sharedDataAvailable(): boolean {
  return fs.existsSync(path.join(SHARED_DATA, 'fer', 'labels.csv')) && fs.existsSync(path.join(SHARED_DATA, 'speech', 'labels.csv'));
}

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function ferImages(emotion: string, count: number): string[] {
  const dir = path.join(SHARED_DATA, 'fer', emotion);
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.jpg'))
    .sort()
    .slice(0, count)
    .map((f) => path.join(dir, f));
}

export interface FaceClip {
  y4m: string;
  /** One reference frame per source image, RGB width×height, in clip order. */
  references: Uint8Array[];
  width: number;
  height: number;
}

/**
 * Each face image is held for `secondsEach`, scaled to `faceSize` and centred on a mid-gray
 * width×height canvas, at `fps`. Chromium loops the file.
 */
export function makeFaceClip(
  images: string[],
  out: string,
  opts: { width?: number; height?: number; faceSize?: number; fps?: number; secondsEach?: number } = {},
): FaceClip {
  const width = opts.width ?? 320;
  const height = opts.height ?? 240;
  const faceSize = opts.faceSize ?? 180;
  const fps = opts.fps ?? 15;
  const secondsEach = opts.secondsEach ?? 1;
  const filter = `scale=${faceSize}:${faceSize}:flags=bicubic,pad=${width}:${height}:(ow-iw)/2:(oh-ih)/2:color=0x808080`;
  renderSlideshow(images, secondsEach, `${filter},fps=${fps},format=yuv420p`, out);
  const references = images.map(
    (image) =>
      new Uint8Array(
        execFileSync(
          FFMPEG,
          [
            '-hide_banner',
            '-loglevel',
            'error',
            '-i',
            image,
            '-vf',
            `${filter},format=rgb24`,
            '-frames:v',
            '1',
            '-f',
            'rawvideo',
            'pipe:1',
          ],
          { maxBuffer: 1 << 24 },
        ),
      ),
  );
  return { y4m: out, references, width, height };
}

export function speechClips(count: number, filter: (row: Record<string, string>) => boolean = () => true): string[] {
  const [header, ...lines] = fs
    .readFileSync(path.join(SHARED_DATA, 'speech', 'labels.csv'), 'utf8')
    .trim()
    .split('\n');
  const keys = header!.split(',');
  return lines
    .map((line) => Object.fromEntries(line.split(',').map((v, i) => [keys[i], v])) as Record<string, string>)
    .filter(filter)
    .slice(0, count)
    .map((row) => path.join(SHARED_DATA, 'speech', row.file!));
}

/** Concatenates speech clips into one 48 kHz mono wav (for Chromium) and returns its 16 kHz PCM too. */
export function makeSpeechWav(clips: string[], out: string): { wav: string; pcm16k: Int16Array } {
  const inputs = clips.flatMap((c) => ['-i', c]);
  const concat = `${clips.map((_, i) => `[${i}:a]`).join('')}concat=n=${clips.length}:v=0:a=1[a]`;
  execFileSync(FFMPEG, [
    '-hide_banner',
    '-loglevel',
    'error',
    '-y',
    ...inputs,
    '-filter_complex',
    concat,
    '-map',
    '[a]',
    '-ac',
    '1',
    '-ar',
    '48000',
    '-c:a',
    'pcm_s16le',
    out,
  ]);
  const raw = execFileSync(FFMPEG, ['-hide_banner', '-loglevel', 'error', '-i', out, '-ac', '1', '-ar', '16000', '-f', 's16le', 'pipe:1'], {
    maxBuffer: 1 << 26,
  });
  return { wav: out, pcm16k: new Int16Array(raw.buffer, raw.byteOffset, raw.byteLength / 2) };
}

/** Pearson correlation of two equally long sequences. */
export function correlation(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = Math.min(a.length, b.length);
  let sa = 0,
    sb = 0;
  for (let i = 0; i < n; i++) {
    sa += a[i]!;
    sb += b[i]!;
  }
  const ma = sa / n,
    mb = sb / n;
  let cov = 0,
    va = 0,
    vb = 0;
  for (let i = 0; i < n; i++) {
    const da = a[i]! - ma,
      db = b[i]! - mb;
    cov += da * db;
    va += da * da;
    vb += db * db;
  }
  return va === 0 || vb === 0 ? 0 : cov / Math.sqrt(va * vb);
}

export function rgbToGray(rgb: Uint8Array): Float64Array {
  const gray = new Float64Array(rgb.length / 3);
  for (let i = 0; i < gray.length; i++) gray[i] = (rgb[3 * i]! + rgb[3 * i + 1]! + rgb[3 * i + 2]!) / 3;
  return gray;
}

/** RMS of consecutive windows of `window` samples. */
export function rmsEnvelope(pcm: ArrayLike<number>, window: number): number[] {
  const out: number[] = [];
  for (let start = 0; start + window <= pcm.length; start += window) {
    let sum = 0;
    for (let i = start; i < start + window; i++) sum += pcm[i]! * pcm[i]!;
    out.push(Math.sqrt(sum / window));
  }
  return out;
}

/** Best correlation of `received` against the looping `source` envelope over every circular lag. */
export function bestCircularCorrelation(received: number[], source: number[]): { r: number; lag: number } {
  let best = { r: -1, lag: 0 };
  for (let lag = 0; lag < source.length; lag++) {
    const aligned = received.map((_, i) => source[(i + lag) % source.length]!);
    const r = correlation(received, aligned);
    if (r > best.r) best = { r, lag };
  }
  return best;
}

/**
 * A camera clip in segments: each segment cycles through its images (one a second) for its
 * duration, so the face changes mood at a known time (Chromium loops the whole file). A `marked`
 * segment carries a white MARKER_SIZE square in the top-left corner, so whoever decodes the
 * stream can tell which segment a frame belongs to (see isMarkedFrame).
 */
export function makeFaceClipSegments(
  segments: { images: string[]; seconds: number; marked?: boolean }[],
  out: string,
  opts: { width?: number; height?: number; faceSize?: number; fps?: number } = {},
): string {
  const width = opts.width ?? 320;
  const height = opts.height ?? 240;
  const faceSize = opts.faceSize ?? 170;
  const fps = opts.fps ?? 15;
  const sequence = segments.flatMap(({ images, seconds }) => Array.from({ length: seconds }, (_, i) => images[i % images.length]!));
  let start = 0;
  const markedRanges: string[] = [];
  for (const { seconds, marked } of segments) {
    if (marked) markedRanges.push(`between(t,${start},${start + seconds - 0.001})`);
    start += seconds;
  }
  const marker = markedRanges.length
    ? `,drawbox=x=0:y=0:w=${MARKER_SIZE}:h=${MARKER_SIZE}:color=white:t=fill:enable='${markedRanges.join('+')}'`
    : '';
  const filter = `scale=${faceSize}:${faceSize}:flags=bicubic,pad=${width}:${height}:(ow-iw)/2:(oh-ih)/2:color=0x808080${marker},fps=${fps},format=yuv420p`;
  renderSlideshow(sequence, 1, filter, out);
  return out;
}

/** Renders `images`, each held for `secondsEach`, through the video filter `filter` into `out` (y4m or any ffmpeg output). */
function renderSlideshow(images: string[], secondsEach: number, filter: string, out: string): void {
  const list = `${out}.concat.txt`;
  // The concat demuxer needs the last file twice for its duration to count.
  fs.writeFileSync(
    list,
    [...images, images[images.length - 1]!].map((f, i) => `file '${f}'\n${i < images.length ? `duration ${secondsEach}\n` : ''}`).join(''),
  );
  execFileSync(FFMPEG, [
    '-hide_banner',
    '-loglevel',
    'error',
    '-y',
    '-f',
    'concat',
    '-safe',
    '0',
    '-i',
    list,
    '-vf',
    filter,
    '-t',
    String(images.length * secondsEach),
    out,
  ]);
  fs.rmSync(list);
}

/** Side of the corner square that marks a segment (pixels of the clip). */
export const MARKER_SIZE = 24;

/** Whether a decoded RGB frame of such a clip carries the marker (its corner is near white, not mid-gray). */
export function isMarkedFrame(rgb: Uint8Array, width: number): boolean {
  let sum = 0;
  let n = 0;
  // The middle of the square: scaling and chroma subsampling blur its edges.
  for (let y = 4; y < MARKER_SIZE / 2; y++) {
    for (let x = 4; x < MARKER_SIZE / 2; x++) {
      const i = (y * width + x) * 3;
      sum += rgb[i]! + rgb[i + 1]! + rgb[i + 2]!;
      n += 3;
    }
  }
  return sum / n > 200;
}

/** A microphone track in segments: each segment's clips back to back, cut or padded with silence to its duration. */
export function makeSpeechTrack(segments: { clips: string[]; seconds: number }[], out: string): string {
  const parts = segments.map(({ clips, seconds }, s) => {
    const part = `${out}.part${s}.wav`;
    const inputs = clips.flatMap((c) => ['-i', c]);
    const graph = `${clips.map((_, i) => `[${i}:a]`).join('')}concat=n=${clips.length}:v=0:a=1,apad,atrim=0:${seconds}[a]`;
    execFileSync(FFMPEG, [
      '-hide_banner',
      '-loglevel',
      'error',
      '-y',
      ...inputs,
      '-filter_complex',
      graph,
      '-map',
      '[a]',
      '-ac',
      '1',
      '-ar',
      '48000',
      '-c:a',
      'pcm_s16le',
      part,
    ]);
    return part;
  });
  const graph = `${parts.map((_, i) => `[${i}:a]`).join('')}concat=n=${parts.length}:v=0:a=1[a]`;
  execFileSync(FFMPEG, [
    '-hide_banner',
    '-loglevel',
    'error',
    '-y',
    ...parts.flatMap((p) => ['-i', p]),
    '-filter_complex',
    graph,
    '-map',
    '[a]',
    '-c:a',
    'pcm_s16le',
    out,
  ]);
  for (const part of parts) fs.rmSync(part);
  return out;
}
