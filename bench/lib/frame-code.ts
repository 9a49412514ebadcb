/**
 * Stamps a frame number into a video as a row of black/white blocks (top strip) and reads it
 * back from decoded frames, so the ingest benchmark can match each frame the server delivers to
 * the moment the load generator sent it.
 */
import { execFileSync } from 'node:child_process';

import { ffmpegPath } from '../../media/ffmpeg-path.js';

export const CODE_BITS = 10;
const STRIP = 24; // rows
const BLOCK = 32; // columns per bit (10 bits × 32 = 320 px)

/** Re-encodes `input` (any ffmpeg-readable clip) as a 320×240 y4m at `fps` with each frame numbered. */
export function stampFrameNumbers(input: string, output: string, fps: number, seconds: number): number {
  const ffmpeg = ffmpegPath();
  const width = 320;
  const height = 240;
  const raw = execFileSync(
    ffmpeg,
    [
      '-hide_banner',
      '-loglevel',
      'error',
      '-stream_loop',
      '-1',
      '-i',
      input,
      '-t',
      String(seconds),
      '-vf',
      `fps=${fps},scale=${width}:${height}`,
      '-pix_fmt',
      'gray',
      '-f',
      'rawvideo',
      'pipe:1',
    ],
    { maxBuffer: 1 << 30 },
  );
  const frameBytes = width * height;
  const frames = Math.floor(raw.length / frameBytes);
  for (let f = 0; f < frames; f++) {
    const base = f * frameBytes;
    for (let bit = 0; bit < CODE_BITS; bit++) {
      const value = (f >> bit) & 1 ? 255 : 0;
      for (let y = 0; y < STRIP; y++) raw.fill(value, base + y * width + bit * BLOCK, base + y * width + (bit + 1) * BLOCK);
    }
  }
  execFileSync(
    ffmpeg,
    [
      '-hide_banner',
      '-loglevel',
      'error',
      '-y',
      '-f',
      'rawvideo',
      '-pix_fmt',
      'gray',
      '-s',
      `${width}x${height}`,
      '-r',
      String(fps),
      '-i',
      'pipe:0',
      '-pix_fmt',
      'yuv420p',
      output,
    ],
    { input: raw.subarray(0, frames * frameBytes), maxBuffer: 1 << 30 },
  );
  return frames;
}

/** Reads the frame number from a decoded RGB frame of the same 320×240 layout (center of each block). */
export function readFrameNumber(rgb: Uint8Array, width = 320): number {
  let value = 0;
  const y = STRIP >> 1;
  for (let bit = 0; bit < CODE_BITS; bit++) {
    let sum = 0;
    for (let x = bit * BLOCK + 8; x < (bit + 1) * BLOCK - 8; x++) sum += rgb[3 * (y * width + x)]!;
    if (sum / (BLOCK - 16) > 128) value |= 1 << bit;
  }
  return value;
}
