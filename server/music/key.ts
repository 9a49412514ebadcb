/**
 * Key and mode from a summed chroma vector: Pearson correlation with the Krumhansl–Kessler major
 * and minor key profiles in all 12 rotations (Krumhansl 1990), the classic key-finding method.
 */
export const KEY_NAMES = ['C', 'C#', 'D', 'D#', 'E', 'F', 'F#', 'G', 'G#', 'A', 'A#', 'B'] as const;

const MAJOR = [6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88];
const MINOR = [6.33, 2.68, 3.52, 5.38, 2.6, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17];

export interface KeyEstimate {
  tonic: number;
  mode: 'major' | 'minor';
  /** Correlation of the best key (−1..1). */
  confidence: number;
  /** Best major correlation minus best minor correlation (positive: sounds major). */
  modeScore: number;
}

export function estimateKey(chroma: ArrayLike<number>): KeyEstimate {
  let best: KeyEstimate = { tonic: 0, mode: 'major', confidence: -Infinity, modeScore: 0 };
  let bestMajor = -Infinity;
  let bestMinor = -Infinity;
  for (let tonic = 0; tonic < 12; tonic++) {
    for (const mode of ['major', 'minor'] as const) {
      const profile = mode === 'major' ? MAJOR : MINOR;
      const rotated = Array.from({ length: 12 }, (_, i) => profile[(i - tonic + 12) % 12]!);
      const r = pearson(chroma, rotated);
      if (mode === 'major') bestMajor = Math.max(bestMajor, r);
      else bestMinor = Math.max(bestMinor, r);
      if (r > best.confidence) best = { tonic, mode, confidence: r, modeScore: 0 };
    }
  }
  if (!Number.isFinite(best.confidence)) return { tonic: 0, mode: 'major', confidence: 0, modeScore: 0 };
  return { ...best, modeScore: bestMajor - bestMinor };
}

function pearson(a: ArrayLike<number>, b: readonly number[]): number {
  const n = b.length;
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i]!;
    mb += b[i]!;
  }
  ma /= n;
  mb /= n;
  let num = 0;
  let da = 0;
  let db = 0;
  for (let i = 0; i < n; i++) {
    num += (a[i]! - ma) * (b[i]! - mb);
    da += (a[i]! - ma) ** 2;
    db += (b[i]! - mb) ** 2;
  }
  return da > 0 && db > 0 ? num / Math.sqrt(da * db) : 0;
}
