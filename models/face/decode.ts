/**
 * Image files for evaluation and tests: JPEG (pure-JS decoder, jpeg-js) and binary PGM, to a gray
 * 0..1 image. Not used on the live path (frames arrive decoded from the media spine).
 */
import fs from 'node:fs';

import jpeg from 'jpeg-js';

import type { VideoFrame } from '../../media/types.js';
import type { GrayImage } from './image.js';

export function decodeGray(bytes: Uint8Array, name = 'image'): GrayImage {
  if (bytes[0] === 0xff && bytes[1] === 0xd8) {
    const img = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxMemoryUsageInMB: 256 });
    const n = img.width * img.height;
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const r = img.data[i * 4]!;
      const g = img.data[i * 4 + 1]!;
      const b = img.data[i * 4 + 2]!;
      // a grayscale JPEG decodes to R=G=B: keep the exact byte
      out[i] = (r === g && g === b ? r : 0.299 * r + 0.587 * g + 0.114 * b) / 255;
    }
    return { width: img.width, height: img.height, data: out };
  }
  const head = Buffer.from(bytes.subarray(0, 64)).toString('latin1');
  const m = /^P5\s+(?:#.*\s+)*(\d+)\s+(\d+)\s+(\d+)\s/.exec(head);
  if (m) {
    const [w, h, max] = [Number(m[1]), Number(m[2]), Number(m[3])];
    const px = bytes.subarray(m[0].length, m[0].length + w * h);
    return { width: w, height: h, data: Float32Array.from(px, (v) => v / max) };
  }
  throw new Error(`${name}: not a JPEG or binary PGM image`);
}

export function readGray(file: string): GrayImage {
  return decodeGray(fs.readFileSync(file), file);
}

/**
 * A camera-like test frame: the gray face image upscaled (bilinear) to `faceSize` pixels and placed on a
 * uniform mid-gray canvas (default 320×240, the media spine's default size), as packed RGB.
 */
export function faceOnCanvas(
  face: GrayImage,
  opts: { width?: number; height?: number; faceSize?: number; x?: number; y?: number; participantId?: string; background?: number } = {},
): VideoFrame {
  const W = opts.width ?? 320;
  const H = opts.height ?? 240;
  const F = opts.faceSize ?? 160;
  const ox = Math.round(opts.x ?? (W - F) / 2);
  const oy = Math.round(opts.y ?? (H - F) / 2);
  const data = new Uint8Array(W * H * 3).fill(opts.background ?? 128);
  const s = face.width / F;
  for (let y = 0; y < F; y++) {
    const fy = Math.min(face.height - 1, Math.max(0, (y + 0.5) * s - 0.5));
    const y0 = Math.floor(fy);
    const y1 = Math.min(face.height - 1, y0 + 1);
    const ay = fy - y0;
    for (let x = 0; x < F; x++) {
      const X = ox + x;
      const Y = oy + y;
      if (X < 0 || Y < 0 || X >= W || Y >= H) continue;
      const fx = Math.min(face.width - 1, Math.max(0, (x + 0.5) * s - 0.5));
      const x0 = Math.floor(fx);
      const x1 = Math.min(face.width - 1, x0 + 1);
      const ax = fx - x0;
      const d = face.data;
      const v =
        (d[y0 * face.width + x0]! * (1 - ax) + d[y0 * face.width + x1]! * ax) * (1 - ay) +
        (d[y1 * face.width + x0]! * (1 - ax) + d[y1 * face.width + x1]! * ax) * ay;
      const b = Math.round(v * 255);
      const o = (Y * W + X) * 3;
      data[o] = b;
      data[o + 1] = b;
      data[o + 2] = b;
    }
  }
  return { participantId: opts.participantId ?? 'test', width: W, height: H, format: 'rgb24', data, decodedAt: 0, seq: 0 };
}
