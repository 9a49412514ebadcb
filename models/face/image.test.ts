import assert from 'node:assert/strict';
import { test } from 'node:test';

import type { VideoFrame } from '../../media/types.js';
import { cropGray, grayAround, letterboxGeometry, letterboxRgb, rgbToGray } from './image.js';

/** The per-pixel definition letterboxRgb implements: k×k bilinear taps per output pixel, black padding. */
function referenceLetterbox(frame: VideoFrame, size: number): Float32Array {
  const { width: w, height: h, data } = frame;
  const g = letterboxGeometry(w, h, size);
  const scale = g.side / size;
  const k = Math.min(4, Math.max(1, Math.ceil(scale)));
  const out = new Float32Array(size * size * 3);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const acc = [0, 0, 0];
      for (let sy = 0; sy < k; sy++) {
        const fy = (y + (sy + 0.5) / k) * scale - g.padY - 0.5;
        for (let sx = 0; sx < k; sx++) {
          const fx = (x + (sx + 0.5) / k) * scale - g.padX - 0.5;
          if (fx < -0.5 || fy < -0.5 || fx > w - 0.5 || fy > h - 0.5) continue;
          const x0 = Math.max(0, Math.min(w - 1, Math.floor(fx)));
          const y0 = Math.max(0, Math.min(h - 1, Math.floor(fy)));
          const x1 = Math.min(w - 1, x0 + 1);
          const y1 = Math.min(h - 1, y0 + 1);
          const ax = Math.max(0, Math.min(1, fx - x0));
          const ay = Math.max(0, Math.min(1, fy - y0));
          for (let c = 0; c < 3; c++) {
            const p = (yy: number, xx: number) => data[(yy * w + xx) * 3 + c]!;
            acc[c]! += p(y0, x0) * (1 - ax) * (1 - ay) + p(y0, x1) * ax * (1 - ay) + p(y1, x0) * (1 - ax) * ay + p(y1, x1) * ax * ay;
          }
        }
      }
      for (let c = 0; c < 3; c++) out[(y * size + x) * 3 + c] = acc[c]! / (k * k);
    }
  }
  return out;
}

function randomFrame(width: number, height: number, seed: number): VideoFrame {
  const data = new Uint8Array(width * height * 3);
  let s = seed;
  for (let i = 0; i < data.length; i++) data[i] = (s = (s * 1103515245 + 12345) >>> 0) >>> 24;
  return { width, height, data, format: 'rgb24' } as VideoFrame;
}

test('letterboxRgb equals the per-pixel k×k bilinear definition (landscape, portrait, upscale, tiny)', () => {
  for (const [w, h, size] of [
    [320, 240, 128],
    [640, 480, 128],
    [100, 300, 128],
    [48, 48, 128],
    [1, 1, 8],
    [7, 3, 5],
  ] as const) {
    for (const seed of [1, 2]) {
      const frame = randomFrame(w, h, seed + w);
      const out = new Float32Array(size * size * 3 + 10);
      const geometry = letterboxRgb(frame, size, out, 10);
      assert.deepEqual(geometry, letterboxGeometry(w, h, size));
      const expected = referenceLetterbox(frame, size);
      let worst = 0;
      for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(out[10 + i]! - expected[i]!));
      assert.ok(worst < 1e-3, `${w}x${h}→${size} (seed ${seed}): max difference ${worst}`);
      assert.deepEqual([...out.subarray(0, 10)], new Array(10).fill(0), 'writes only from offset');
    }
  }
});

test('letterboxRgb: padding stays black, a 0×0 frame gives an all-black square', () => {
  const white = { width: 320, height: 240, data: new Uint8Array(320 * 240 * 3).fill(255), format: 'rgb24' } as VideoFrame;
  const out = new Float32Array(128 * 128 * 3);
  letterboxRgb(white, 128, out);
  assert.equal(out[0], 0, 'top-left corner is padding');
  assert.ok(Math.abs(out[(64 * 128 + 64) * 3]! - 255) < 1e-3, 'centre is the frame');
  const empty = new Float32Array(16 * 16 * 3).fill(7);
  letterboxRgb({ width: 0, height: 0, data: new Uint8Array(0), format: 'rgb24' } as VideoFrame, 16, empty);
  assert.ok(empty.every((v) => v === 0));
});

test("grayAround: a crop from the face's surroundings equals the crop from the whole frame's gray, edges and rotation included", () => {
  const width = 320;
  const height = 240;
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < data.length; i++) data[i] = (i * 7919 + (i >> 5)) % 251;
  const frame: VideoFrame = { participantId: 'p', width, height, format: 'rgb24', data, decodedAt: 0, seq: 0 };
  const whole = rgbToGray(data, width, height);
  const specs = [
    { cx: 160, cy: 120, side: 140, angle: 0 },
    { cx: 150, cy: 110, side: 150, angle: 0.3 },
    { cx: 20, cy: 30, side: 120, angle: -0.6 }, // reaches past the top-left corner
    { cx: 300, cy: 230, side: 200, angle: 0.7 }, // and the bottom-right
  ];
  for (const spec of specs) {
    const part = grayAround(frame, spec);
    assert.ok(part.image.width * part.image.height < width * height || spec.side >= 200, 'converts less than the frame');
    for (const view of [spec, { ...spec, cx: spec.cx + spec.side / 48, side: (spec.side * 46) / 48 }]) {
      const moved = { ...view, cx: view.cx - (spec.cx - part.spec.cx), cy: view.cy - (spec.cy - part.spec.cy) };
      const a = new Float32Array(64 * 64);
      const b = new Float32Array(64 * 64);
      cropGray(whole, view, 64, a);
      cropGray(part.image, moved, 64, b);
      const worst = a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);
      assert.ok(worst < 1e-5, `spec ${JSON.stringify(view)}: differs by ${worst}`);
    }
  }
});
