/** Summary statistics the feature code reduces frame series with (plain arrays, no allocation tricks). */

export function mean(values: ArrayLike<number>): number {
  if (values.length === 0) return 0;
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i]!;
  return s / values.length;
}

export function std(values: ArrayLike<number>): number {
  const m = mean(values);
  let s = 0;
  for (let i = 0; i < values.length; i++) s += (values[i]! - m) ** 2;
  return values.length ? Math.sqrt(s / values.length) : 0;
}

/** The q-quantile (0..1) by the nearest-rank rule. */
export function percentile(values: ArrayLike<number>, q: number): number {
  if (values.length === 0) return 0;
  const sorted = Float64Array.from(values).sort();
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

/** Standard deviation of the central difference x[t+1] − x[t−1] / 2: how fast a series moves. */
export function deltaStd(values: ArrayLike<number>): number {
  if (values.length < 3) return 0;
  const d: number[] = [];
  for (let i = 1; i < values.length - 1; i++) d.push((values[i + 1]! - values[i - 1]!) / 2);
  return std(d);
}

/**
 * Means of consecutive, non-overlapping segments of `size` items (a shorter tail counts when at
 * least half full): the ~3 s view of a frame series, whose spread says how much a track changes.
 */
export function segmentMeans(values: ArrayLike<number>, size: number): number[] {
  const out: number[] = [];
  for (let start = 0; start < values.length; start += size) {
    const end = Math.min(values.length, start + size);
    if (end - start < size / 2 && out.length > 0) break;
    let s = 0;
    for (let i = start; i < end; i++) s += values[i]!;
    out.push(s / (end - start));
  }
  return out;
}
