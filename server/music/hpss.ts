/**
 * Harmonic/percussive split by median filtering (Fitzgerald 2010): on a magnitude spectrogram a
 * sustained tone is a horizontal line (median over time keeps it), a drum hit a vertical one
 * (median over frequency keeps it). Returns each frame's percussive share of the power, with
 * soft (Wiener-like) masks, the usual way.
 */

/** Median filter lengths: 17 frames (~0.8 s at 46 ms hops) and 17 bins (~180 Hz). */
const TIME_KERNEL = 17;
const FREQ_KERNEL = 17;

export interface PercussiveShares {
  /** Each frame's percussive share of its power (0 for a silent frame). */
  frames: number[];
  /** Percussive share of the whole spectrogram's power (loud frames count more). */
  overall: number;
}

/** spectrogram[t] is one frame's magnitude spectrum; all frames have the same length. */
export function percussiveShares(spectrogram: readonly Float32Array[]): PercussiveShares {
  const frames = spectrogram.length;
  if (frames === 0) return { frames: [], overall: 0 };
  const bins = spectrogram[0]!.length;
  const harmonic = spectrogram.map(() => new Float32Array(bins));
  const column = new Float32Array(frames);
  const scratch = new Float32Array(Math.max(TIME_KERNEL, FREQ_KERNEL));
  for (let k = 0; k < bins; k++) {
    for (let t = 0; t < frames; t++) column[t] = spectrogram[t]![k]!;
    for (let t = 0; t < frames; t++) harmonic[t]![k] = windowMedian(column, t, TIME_KERNEL, scratch);
  }
  const shares: number[] = [];
  let percAll = 0;
  let totalAll = 0;
  for (let t = 0; t < frames; t++) {
    const row = spectrogram[t]!;
    let perc = 0;
    let total = 0;
    for (let k = 0; k < bins; k++) {
      const p = windowMedian(row, k, FREQ_KERNEL, scratch) ** 2;
      const h = harmonic[t]![k]! ** 2;
      const power = row[k]! ** 2;
      total += power;
      if (p + h > 0) perc += (power * p) / (p + h);
    }
    shares.push(total > 0 ? perc / total : 0);
    percAll += perc;
    totalAll += total;
  }
  return { frames: shares, overall: totalAll > 0 ? percAll / totalAll : 0 };
}

/** Median of x[centre − len/2 .. centre + len/2], clipped at the edges (insertion sort: len is small). */
function windowMedian(x: Float32Array, centre: number, len: number, scratch: Float32Array): number {
  const half = len >> 1;
  const lo = Math.max(0, centre - half);
  const hi = Math.min(x.length - 1, centre + half);
  const n = hi - lo + 1;
  for (let i = 0; i < n; i++) {
    const v = x[lo + i]!;
    let j = i - 1;
    while (j >= 0 && scratch[j]! > v) {
      scratch[j + 1] = scratch[j]!;
      j--;
    }
    scratch[j + 1] = v;
  }
  return n % 2 ? scratch[n >> 1]! : (scratch[(n >> 1) - 1]! + scratch[n >> 1]!) / 2;
}
