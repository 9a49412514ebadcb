/**
 * Pixel work for the face pipeline, in plain TypeScript: grayscale conversion, the detector's
 * square letterbox, and the aligned square face crop fed to the expression classifier.
 */
import type { VideoFrame } from '../../media/types.js';

export class InvalidFrameError extends Error {
  constructor(detail: string) {
    super(`invalid video frame: ${detail}`);
    this.name = 'InvalidFrameError';
  }
}

/** Throws InvalidFrameError unless the frame is packed RGB with a matching buffer. 0×0 is valid (and empty). */
export function checkFrame(frame: VideoFrame): void {
  if (!frame || typeof frame !== 'object') throw new InvalidFrameError('not an object');
  const { width, height, data } = frame;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 0 || height < 0) {
    throw new InvalidFrameError(`bad size ${width}x${height}`);
  }
  if (frame.format !== undefined && frame.format !== 'rgb24') throw new InvalidFrameError(`format ${frame.format} (expected rgb24)`);
  if (!(data instanceof Uint8Array)) throw new InvalidFrameError('data is not a Uint8Array');
  if (data.length !== width * height * 3) {
    throw new InvalidFrameError(`data has ${data.length} bytes, ${width}x${height} rgb24 needs ${width * height * 3}`);
  }
}

/** A single-channel float image, values 0..1. */
export interface GrayImage {
  width: number;
  height: number;
  data: Float32Array;
}

/** ITU-R BT.601 luma on 0..1 values (FER-2013 images are grayscale, so R=G=B there and any weights agree). */
export function rgbToGray(rgb: Uint8Array, width: number, height: number): GrayImage {
  const n = width * height;
  const out = new Float32Array(n);
  for (let i = 0, j = 0; i < n; i++, j += 3) {
    out[i] = (0.299 * rgb[j]! + 0.587 * rgb[j + 1]! + 0.114 * rgb[j + 2]!) / 255;
  }
  return { width, height, data: out };
}

/** Geometry of the detector input: the frame centred in a square of side `side`, scaled to `size`. */
export interface Letterbox {
  side: number;
  padX: number;
  padY: number;
  size: number;
}

export function letterboxGeometry(width: number, height: number, size: number): Letterbox {
  const side = Math.max(width, height);
  return { side, padX: (side - width) / 2, padY: (side - height) / 2, size };
}

/**
 * Writes the frame, centred on a black square and resized to size×size (area-averaged bilinear),
 * as NHWC float RGB 0..255 into `out` at `offset` (size*size*3 values).
 */
export function letterboxRgb(frame: VideoFrame, size: number, out: Float32Array, offset = 0): Letterbox {
  const { width: w, height: h, data } = frame;
  const g = letterboxGeometry(w, h, size);
  const scale = g.side / size; // frame pixels per output pixel
  const k = Math.min(4, Math.max(1, Math.ceil(scale))); // supersampling taps per axis
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      let r = 0;
      let gg = 0;
      let b = 0;
      for (let sy = 0; sy < k; sy++) {
        const fy = (y + (sy + 0.5) / k) * scale - g.padY - 0.5;
        for (let sx = 0; sx < k; sx++) {
          const fx = (x + (sx + 0.5) / k) * scale - g.padX - 0.5;
          if (fx < -0.5 || fy < -0.5 || fx > w - 0.5 || fy > h - 0.5) continue; // padding is black
          const x0 = Math.max(0, Math.min(w - 1, Math.floor(fx)));
          const y0 = Math.max(0, Math.min(h - 1, Math.floor(fy)));
          const x1 = Math.min(w - 1, x0 + 1);
          const y1 = Math.min(h - 1, y0 + 1);
          const ax = Math.max(0, Math.min(1, fx - x0));
          const ay = Math.max(0, Math.min(1, fy - y0));
          const i00 = (y0 * w + x0) * 3;
          const i01 = (y0 * w + x1) * 3;
          const i10 = (y1 * w + x0) * 3;
          const i11 = (y1 * w + x1) * 3;
          const w00 = (1 - ax) * (1 - ay);
          const w01 = ax * (1 - ay);
          const w10 = (1 - ax) * ay;
          const w11 = ax * ay;
          r += data[i00]! * w00 + data[i01]! * w01 + data[i10]! * w10 + data[i11]! * w11;
          gg += data[i00 + 1]! * w00 + data[i01 + 1]! * w01 + data[i10 + 1]! * w10 + data[i11 + 1]! * w11;
          b += data[i00 + 2]! * w00 + data[i01 + 2]! * w01 + data[i10 + 2]! * w10 + data[i11 + 2]! * w11;
        }
      }
      const o = offset + (y * size + x) * 3;
      const kk = k * k;
      out[o] = r / kk;
      out[o + 1] = gg / kk;
      out[o + 2] = b / kk;
    }
  }
  return g;
}

/** A square crop: centre (frame pixels), side (frame pixels), rotation (radians, counter-clockwise). */
export interface CropSpec {
  cx: number;
  cy: number;
  side: number;
  angle: number;
}

/**
 * Samples a size×size crop of `img` (rotated by spec.angle about its centre so that the eyes end up
 * level), bilinear with k×k supersampling when shrinking, edges replicated. Writes 0..1 values into
 * `out` at `offset`.
 */
export function cropGray(img: GrayImage, spec: CropSpec, size: number, out: Float32Array, offset = 0): void {
  const { width: w, height: h, data } = img;
  if (w === 0 || h === 0) throw new InvalidFrameError('empty image');
  const step = spec.side / size;
  const k = Math.min(4, Math.max(1, Math.ceil(step)));
  const c = Math.cos(spec.angle);
  const s = Math.sin(spec.angle);
  for (let v = 0; v < size; v++) {
    for (let u = 0; u < size; u++) {
      let acc = 0;
      for (let sy = 0; sy < k; sy++) {
        const dy = (v + (sy + 0.5) / k) * step - spec.side / 2;
        for (let sx = 0; sx < k; sx++) {
          const dx = (u + (sx + 0.5) / k) * step - spec.side / 2;
          const fx = spec.cx + c * dx - s * dy - 0.5;
          const fy = spec.cy + s * dx + c * dy - 0.5;
          const x0f = Math.floor(fx);
          const y0f = Math.floor(fy);
          const ax = fx - x0f;
          const ay = fy - y0f;
          const x0 = Math.max(0, Math.min(w - 1, x0f));
          const x1 = Math.max(0, Math.min(w - 1, x0f + 1));
          const y0 = Math.max(0, Math.min(h - 1, y0f));
          const y1 = Math.max(0, Math.min(h - 1, y0f + 1));
          acc +=
            (data[y0 * w + x0]! * (1 - ax) + data[y0 * w + x1]! * ax) * (1 - ay) +
            (data[y1 * w + x0]! * (1 - ax) + data[y1 * w + x1]! * ax) * ay;
        }
      }
      out[offset + v * size + u] = acc / (k * k);
    }
  }
}

/** Resizes a whole gray image to size×size (used for images that are already face crops, e.g. FER-2013). */
export function resizeGray(img: GrayImage, size: number, out: Float32Array, offset = 0): void {
  if (img.width === size && img.height === size) {
    out.set(img.data, offset);
    return;
  }
  const side = Math.max(img.width, img.height);
  cropGray(img, { cx: img.width / 2, cy: img.height / 2, side, angle: 0 }, size, out, offset);
}
