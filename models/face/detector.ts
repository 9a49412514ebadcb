/**
 * BlazeFace (MediaPipe short-range, 128×128) post-processing: score threshold and non-maximum
 * suppression in TypeScript, and mapping from the letterboxed model input back to frame pixels.
 * The model file (models/face/blazeface_front_128.onnx) already decodes anchors: it outputs
 * scores [N,896], boxes [N,896,4] (x1,y1,x2,y2 in 0..1) and keypoints [N,896,12].
 */
import type { Letterbox } from './image.js';

export const DETECTOR_SIZE = 128;
export const ANCHORS = 896;

export interface Detection {
  score: number;
  /** frame pixels */
  box: { x: number; y: number; width: number; height: number };
  /** 6 points in frame pixels: right eye, left eye, nose, mouth, right ear, left ear (the subject's) */
  keypoints: { x: number; y: number }[];
}

export interface NmsOptions {
  minScore: number;
  iou: number;
  maxFaces: number;
}

function iou(a: number[], b: number[]): number {
  const ix = Math.max(0, Math.min(a[2]!, b[2]!) - Math.max(a[0]!, b[0]!));
  const iy = Math.max(0, Math.min(a[3]!, b[3]!) - Math.max(a[1]!, b[1]!));
  const inter = ix * iy;
  const ua = (a[2]! - a[0]!) * (a[3]! - a[1]!) + (b[2]! - b[0]!) * (b[3]! - b[1]!) - inter;
  return ua > 0 ? inter / ua : 0;
}

/**
 * Detections for image `n` of a batch, best first. Overlapping candidates are merged MediaPipe-style
 * (score-weighted average of the boxes and keypoints of a cluster) which steadies the box between frames.
 */
export function decodeDetections(
  scores: Float32Array,
  boxes: Float32Array,
  keypoints: Float32Array,
  n: number,
  geom: Letterbox,
  opts: NmsOptions,
): Detection[] {
  const cands: number[] = [];
  for (let i = 0; i < ANCHORS; i++) {
    const s = scores[n * ANCHORS + i]!;
    if (s >= opts.minScore && Number.isFinite(s)) cands.push(i);
  }
  cands.sort((a, b) => scores[n * ANCHORS + b]! - scores[n * ANCHORS + a]!);
  const box = (i: number) => Array.from(boxes.subarray((n * ANCHORS + i) * 4, (n * ANCHORS + i) * 4 + 4));
  const used = new Uint8Array(cands.length);
  const out: Detection[] = [];
  for (let a = 0; a < cands.length && out.length < opts.maxFaces; a++) {
    if (used[a]) continue;
    const ba = box(cands[a]!);
    const acc = new Float64Array(16);
    let wsum = 0;
    for (let b = a; b < cands.length; b++) {
      if (used[b]) continue;
      const bb = box(cands[b]!);
      if (b !== a && iou(ba, bb) < opts.iou) continue;
      used[b] = 1;
      const w = scores[n * ANCHORS + cands[b]!]!;
      wsum += w;
      for (let j = 0; j < 4; j++) acc[j]! += bb[j]! * w;
      const kb = (n * ANCHORS + cands[b]!) * 12;
      for (let j = 0; j < 12; j++) acc[4 + j]! += keypoints[kb + j]! * w;
    }
    const m = Array.from(acc, (v) => v / wsum);
    const px = (v: number) => v * geom.side - geom.padX;
    const py = (v: number) => v * geom.side - geom.padY;
    const x1 = px(m[0]!);
    const y1 = py(m[1]!);
    const x2 = px(m[2]!);
    const y2 = py(m[3]!);
    if (!(x2 > x1 && y2 > y1)) continue;
    const kps = [];
    for (let j = 0; j < 6; j++) kps.push({ x: px(m[4 + 2 * j]!), y: py(m[5 + 2 * j]!) });
    out.push({ score: scores[n * ANCHORS + cands[a]!]!, box: { x: x1, y: y1, width: x2 - x1, height: y2 - y1 }, keypoints: kps });
  }
  return out;
}
