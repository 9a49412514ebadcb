/**
 * Harmony descriptors from a chroma sequence (12 bins per frame, C first): the 6-D tonal
 * centroid of Harte, Sandler & Gasser 2006 (circles of fifths, minor thirds and major thirds),
 * its harmonic change detection function, chroma entropy, and key/mode statistics over ~3 s
 * segments. Everything returned is transposition-invariant: a song and its transposition give
 * the same numbers, so the model learns harmony, not pitch.
 */
import { estimateKey } from './key.js';
import { mean, std } from './stats.js';

/** Radii of the three circles (Harte et al.): fifths, minor thirds, major thirds. */
const RADII = [1, 1, 0.5];
/** Angle per chroma step on each circle. */
const STEPS = [(7 * Math.PI) / 6, (3 * Math.PI) / 2, (2 * Math.PI) / 3];

/** The 6-D tonal centroid of one chroma vector (zeros for a silent frame). */
export function tonalCentroid(chroma: ArrayLike<number>): number[] {
  let total = 0;
  for (let l = 0; l < 12; l++) total += Math.abs(chroma[l]!);
  const out = [0, 0, 0, 0, 0, 0];
  if (!(total > 0)) return out;
  for (let l = 0; l < 12; l++) {
    const c = chroma[l]! / total;
    for (let k = 0; k < 3; k++) {
      out[2 * k]! += RADII[k]! * Math.sin(l * STEPS[k]!) * c;
      out[2 * k + 1]! += RADII[k]! * Math.cos(l * STEPS[k]!) * c;
    }
  }
  return out;
}

/** Length of each circle's 2-D component: how strongly the chroma leans to one fifth/third region. */
export function circleStrengths(centroid: readonly number[]): number[] {
  return [0, 1, 2].map((k) => Math.hypot(centroid[2 * k]!, centroid[2 * k + 1]!) / RADII[k]!);
}

/** Normalised Shannon entropy of a chroma vector: 0 one pitch class, 1 all twelve equally. */
export function chromaEntropy(chroma: ArrayLike<number>): number {
  let total = 0;
  for (let l = 0; l < 12; l++) total += Math.max(0, chroma[l]!);
  if (!(total > 0)) return 1;
  let h = 0;
  for (let l = 0; l < 12; l++) {
    const p = Math.max(0, chroma[l]!) / total;
    if (p > 0) h -= p * Math.log2(p);
  }
  return h / Math.log2(12);
}

export interface TonalSummary {
  /** Mean over frames of each circle's strength (fifths, minor thirds, major thirds). */
  frameStrength: number[];
  /** Strength of each circle in the track's mean centroid: a stable tonal centre scores high. */
  globalStrength: number[];
  /** Harmonic change detection function: mean and std of the centroid's speed. */
  hcdfMean: number;
  hcdfStd: number;
  /** Per-frame HCDF, aligned with the input frames, for segment statistics. */
  hcdf: number[];
}

/** ±frames of the moving average applied to centroids before their change is measured (~0.4 s at 21.5 frames/s). */
const HCDF_SMOOTH = 4;

export function summariseTonal(chromaFrames: readonly number[][]): TonalSummary {
  const centroids = chromaFrames.map(tonalCentroid);
  const n = centroids.length;
  const smoothed = centroids.map((_, t) => {
    const lo = Math.max(0, t - HCDF_SMOOTH);
    const hi = Math.min(n - 1, t + HCDF_SMOOTH);
    const out = [0, 0, 0, 0, 0, 0];
    for (let u = lo; u <= hi; u++) for (let d = 0; d < 6; d++) out[d]! += centroids[u]![d]! / (hi - lo + 1);
    return out;
  });
  const hcdf = smoothed.map((_, t) => {
    const a = smoothed[Math.max(0, t - 1)]!;
    const b = smoothed[Math.min(n - 1, t + 1)]!;
    return Math.sqrt(a.reduce((s, v, d) => s + (b[d]! - v) ** 2, 0));
  });
  const global = [0, 1, 2, 3, 4, 5].map((d) => mean(centroids.map((c) => c[d]!)));
  const strengths = centroids.map(circleStrengths);
  return {
    frameStrength: [0, 1, 2].map((k) => mean(strengths.map((s) => s[k]!))),
    globalStrength: circleStrengths(global),
    hcdfMean: mean(hcdf),
    hcdfStd: std(hcdf),
    hcdf,
  };
}

export interface SegmentKeySummary {
  /** Mean key-profile correlation of the segments: how clearly each stretch states a key. */
  clarityMean: number;
  /** Mean and std of the segments' major-minus-minor correlation. */
  modeScoreMean: number;
  modeScoreStd: number;
  /** Share of segments whose best key is major. */
  majorShare: number;
  /** Share of segments whose tonic agrees with the whole track's. */
  tonicAgreement: number;
}

/** Key statistics over consecutive segments of `size` chroma frames (energy-weighted sums). */
export function segmentKeys(
  chromaFrames: readonly number[][],
  weights: readonly number[],
  size: number,
  globalTonic: number,
): SegmentKeySummary {
  const keys = [];
  for (let start = 0; start < chromaFrames.length; start += size) {
    const end = Math.min(chromaFrames.length, start + size);
    if (end - start < size / 2 && keys.length > 0) break;
    const sum = new Float64Array(12);
    for (let t = start; t < end; t++) for (let l = 0; l < 12; l++) sum[l]! += chromaFrames[t]![l]! * weights[t]!;
    keys.push(estimateKey(sum));
  }
  return {
    clarityMean: mean(keys.map((k) => k.confidence)),
    modeScoreMean: mean(keys.map((k) => k.modeScore)),
    modeScoreStd: std(keys.map((k) => k.modeScore)),
    majorShare: mean(keys.map((k) => (k.mode === 'major' ? 1 : 0))),
    tonicAgreement: mean(keys.map((k) => (k.tonic === globalTonic ? 1 : 0))),
  };
}

export interface ChordSummary {
  /** Share of frames whose best-matching triad is major (the rest minor). */
  majorShare: number;
  /** Mean correlation of each frame's chroma with its best triad: how chordal the harmony is. */
  strengthMean: number;
  /** Best-triad changes per second after a ±HCDF_SMOOTH median-like vote: harmonic rhythm. */
  changesPerSecond: number;
}

const MAJOR_TRIAD = [1, 0, 0, 0, 1, 0, 0, 1, 0, 0, 0, 0];
const MINOR_TRIAD = [1, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0];

/**
 * Frame-level triad matching (24 templates, Pearson correlation): local major/minor colour,
 * which the global key misses when a song borrows chords, and how fast the chords move.
 */
export function summariseChords(chromaFrames: readonly number[][], framesPerSecond: number): ChordSummary {
  if (chromaFrames.length === 0) return { majorShare: 0.5, strengthMean: 0, changesPerSecond: 0 };
  const templates: { major: boolean; root: number; t: number[] }[] = [];
  for (let root = 0; root < 12; root++) {
    templates.push({ major: true, root, t: MAJOR_TRIAD.map((_, i) => MAJOR_TRIAD[(i - root + 12) % 12]!) });
    templates.push({ major: false, root, t: MINOR_TRIAD.map((_, i) => MINOR_TRIAD[(i - root + 12) % 12]!) });
  }
  const best = chromaFrames.map((c) => {
    let top = 0;
    let r = -Infinity;
    templates.forEach((tpl, i) => {
      const v = correlation(c, tpl.t);
      if (v > r) {
        r = v;
        top = i;
      }
    });
    return { index: top, r };
  });
  // Majority vote over ±HCDF_SMOOTH frames, so a flickering frame is not a chord change.
  const voted = best.map((_, t) => {
    const counts = new Map<number, number>();
    for (let u = Math.max(0, t - HCDF_SMOOTH); u <= Math.min(best.length - 1, t + HCDF_SMOOTH); u++)
      counts.set(best[u]!.index, (counts.get(best[u]!.index) ?? 0) + 1);
    return [...counts].reduce((a, b) => (b[1] > a[1] ? b : a))[0];
  });
  let changes = 0;
  for (let t = 1; t < voted.length; t++) if (voted[t] !== voted[t - 1]) changes++;
  return {
    majorShare: mean(best.map((b) => (templates[b.index]!.major ? 1 : 0))),
    strengthMean: mean(best.map((b) => (Number.isFinite(b.r) ? b.r : 0))),
    changesPerSecond: changes / (chromaFrames.length / framesPerSecond),
  };
}

function correlation(a: readonly number[], b: readonly number[]): number {
  const ma = mean(a);
  const mb = mean(b);
  let num = 0;
  let da = 0;
  let db = 0;
  for (let i = 0; i < 12; i++) {
    num += (a[i]! - ma) * (b[i]! - mb);
    da += (a[i]! - ma) ** 2;
    db += (b[i]! - mb) ** 2;
  }
  return da > 0 && db > 0 ? num / Math.sqrt(da * db) : 0;
}
