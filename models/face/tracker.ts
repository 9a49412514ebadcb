/**
 * Face box reuse: a participant in front of a camera barely moves between frames 200 ms apart, so the
 * detector (BlazeFace and its letterbox, about half of a frame's model work) need not run on every frame.
 *
 * After a detection the tracker keeps the face and a coarse luma thumbnail of the frame. A later frame
 * of the same participant reuses that face while both hold:
 * - less than `redetectMs` has passed since the detection (re-detect at least once a second), and
 * - the face has not moved: the mean absolute difference of the thumbnail blocks under the face box
 *   stays below `motionThreshold` (0..1 luma). A head that turns, nods or leaves changes the pixels
 *   in its own box; what happens elsewhere in the picture (a screen, a passer-by) does not count.
 * The thumbnail is compared with the one taken at the detection, not with the previous frame, so slow
 * drift adds up and triggers a re-detection too. A frame without a face is never reused.
 */
import type { VideoFrame } from '../../media/types.js';
import type { Detection } from './detector.js';

export interface FaceTrackingOptions {
  /** longest time a detection is reused, ms (default 1000: at least one detection a second) */
  redetectMs?: number;
  /** mean absolute luma change (0..1) under the face box above which the face is re-detected (default 0.03) */
  motionThreshold?: number;
}

/** Thumbnail block side in frame pixels. */
const BLOCK = 8;

interface Thumbnail {
  cols: number;
  rows: number;
  width: number;
  height: number;
  /** mean luma 0..1 per block, row-major */
  means: Float32Array;
}

interface Track {
  face: Detection;
  at: number;
  thumb: Thumbnail;
}

export interface TrackerStats {
  detections: number;
  reused: number;
  /** re-detections forced by motion (the rest were by age or by a missing track) */
  motion: number;
}

export class FaceTracker {
  readonly redetectMs: number;
  readonly motionThreshold: number;
  private readonly tracks = new Map<string, Track>();
  readonly stats: TrackerStats = { detections: 0, reused: 0, motion: 0 };

  constructor(
    opts: FaceTrackingOptions = {},
    private readonly now: () => number = () => performance.now(),
  ) {
    this.redetectMs = opts.redetectMs ?? 1000;
    this.motionThreshold = opts.motionThreshold ?? 0.03;
  }

  /** The tracked face if this frame may reuse it, else undefined (then detect and call detected()). */
  reuse(key: string, frame: VideoFrame): Detection | undefined {
    const track = this.tracks.get(key);
    if (!track) return undefined;
    if (this.now() - track.at >= this.redetectMs || track.thumb.width !== frame.width || track.thumb.height !== frame.height)
      return undefined;
    if (motionAround(track.thumb, thumbnail(frame), track.face) >= this.motionThreshold) {
      this.stats.motion++;
      return undefined;
    }
    this.stats.reused++;
    return track.face;
  }

  /** Records a fresh detection (or its absence) for `key`. */
  detected(key: string, frame: VideoFrame, face: Detection | undefined): void {
    this.stats.detections++;
    if (face) this.tracks.set(key, { face, at: this.now(), thumb: thumbnail(frame) });
    else this.tracks.delete(key);
  }

  forget(key: string): void {
    this.tracks.delete(key);
  }
}

/** Mean luma of BLOCK×BLOCK blocks, from every other pixel of every other row (a quarter of the frame's pixels). */
export function thumbnail(frame: VideoFrame): Thumbnail {
  const { width, height, data } = frame;
  const cols = Math.ceil(width / BLOCK);
  const rows = Math.ceil(height / BLOCK);
  const sums = new Float32Array(cols * rows);
  const counts = new Uint16Array(cols * rows);
  for (let y = 0; y < height; y += 2) {
    const rowBase = Math.floor(y / BLOCK) * cols;
    for (let x = 0; x < width; x += 2) {
      const i = (y * width + x) * 3;
      const b = rowBase + Math.floor(x / BLOCK);
      // integer luma weights (BT.601), scaled back below
      sums[b]! += 77 * data[i]! + 150 * data[i + 1]! + 29 * data[i + 2]!;
      counts[b]!++;
    }
  }
  const means = new Float32Array(cols * rows);
  for (let b = 0; b < means.length; b++) means[b] = counts[b]! ? sums[b]! / counts[b]! / (256 * 255) : 0;
  return { cols, rows, width, height, means };
}

/** Mean absolute block difference over the blocks the face box covers. */
export function motionAround(a: Thumbnail, b: Thumbnail, face: Detection): number {
  const { x, y, width, height } = face.box;
  const c0 = clamp(Math.floor(x / BLOCK), 0, a.cols - 1);
  const c1 = clamp(Math.floor((x + width) / BLOCK), 0, a.cols - 1);
  const r0 = clamp(Math.floor(y / BLOCK), 0, a.rows - 1);
  const r1 = clamp(Math.floor((y + height) / BLOCK), 0, a.rows - 1);
  let sum = 0;
  let n = 0;
  for (let r = r0; r <= r1; r++) {
    for (let c = c0; c <= c1; c++) {
      sum += Math.abs(a.means[r * a.cols + c]! - b.means[r * a.cols + c]!);
      n++;
    }
  }
  return n ? sum / n : Infinity;
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.max(lo, Math.min(hi, v));
}
