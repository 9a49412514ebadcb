/**
 * Face box reuse with the real detector and classifier: a still face is detected once a second, not
 * on every frame, and gives the same expression; a face that moves, or a stale box, is re-detected.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import type { VideoFrame } from '../../media/types.js';
import { faceOnCanvas, readGray } from './decode.js';
import { FaceAnalyzer } from './face-analyzer.js';
import type { GrayImage } from './image.js';

const FACES = new URL('../fixtures/face/', import.meta.url);
const quiet = { info: () => {}, warn: () => {} };
let tracked: FaceAnalyzer;
let shortLived: FaceAnalyzer;
let untracked: FaceAnalyzer;
let face: GrayImage;

before(async () => {
  face = readGray(new URL('surprise_PublicTest_19681601.jpg', FACES).pathname);
  // a long reuse limit, so a loaded test machine cannot age the box between frames
  [tracked, shortLived, untracked] = await Promise.all([
    FaceAnalyzer.create({ provider: 'cpu', logger: quiet, tracking: { redetectMs: 60_000 } }),
    FaceAnalyzer.create({ provider: 'cpu', logger: quiet, tracking: { redetectMs: 300 } }),
    FaceAnalyzer.create({ provider: 'cpu', logger: quiet }),
  ]);
});
after(() => {
  tracked?.close();
  shortLived?.close();
  untracked?.close();
});

/** The face on a canvas with mild camera noise (±3 levels), as consecutive frames of a still scene look. */
function noisyFrame(participantId: string, x?: number, seed = 1): VideoFrame {
  const frame = faceOnCanvas(face, { participantId, ...(x !== undefined && { x }) });
  let s = seed;
  for (let i = 0; i < frame.data.length; i++) {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    frame.data[i] = Math.max(0, Math.min(255, frame.data[i]! + ((s >> 8) % 7) - 3));
  }
  return frame;
}

test('a still face reuses its box: one detection, the same expression as detecting every frame', async () => {
  const before = { ...tracked.stats.tracker! };
  for (let i = 0; i < 4; i++) {
    const frame = noisyFrame('still', undefined, i + 1);
    const [r, fresh] = await Promise.all([tracked.analyze(frame), untracked.analyze(frame)]);
    assert.equal(r.status, 'ok');
    assert.equal(fresh.status, 'ok');
    if (r.status !== 'ok' || fresh.status !== 'ok') return;
    assert.equal(r.label, fresh.label);
    // the reused box is the first frame's; noise moves a fresh detection by a fraction of a pixel
    r.probabilities.forEach((p, j) =>
      assert.ok(Math.abs(p - fresh.probabilities[j]!) < 0.05, `frame ${i}: ${r.probabilities} vs ${fresh.probabilities}`),
    );
  }
  const after = tracked.stats.tracker!;
  assert.equal(after.detections - before.detections, 1, 'detected once');
  assert.equal(after.reused - before.reused, 3, 'reused for the next three frames');
});

test('a face that moves is re-detected, and its box follows it', async () => {
  const first = await tracked.analyze(noisyFrame('mover', 40));
  const before = { ...tracked.stats.tracker! };
  const moved = await tracked.analyze(noisyFrame('mover', 120));
  assert.equal(first.status, 'ok');
  assert.equal(moved.status, 'ok');
  if (first.status !== 'ok' || moved.status !== 'ok') return;
  assert.equal(tracked.stats.tracker!.motion - before.motion, 1, 'motion forced a detection');
  assert.ok(Math.abs(moved.box.x - first.box.x - 80) < 8, `box moved with the face: ${first.box.x} → ${moved.box.x}`);
});

test('a box older than redetectMs is re-detected even when nothing moves', async () => {
  await shortLived.analyze(noisyFrame('aging'));
  const before = { ...shortLived.stats.tracker! };
  await new Promise((r) => setTimeout(r, 350));
  await shortLived.analyze(noisyFrame('aging', undefined, 7));
  assert.equal(shortLived.stats.tracker!.detections - before.detections, 1);
  assert.equal(shortLived.stats.tracker!.reused - before.reused, 0);
});

test('without tracking every frame is detected (the default: still images of different people share nothing)', async () => {
  const r = await untracked.analyze(noisyFrame('x'));
  assert.equal(r.status, 'ok');
  assert.equal(untracked.stats.tracker, undefined);
});
