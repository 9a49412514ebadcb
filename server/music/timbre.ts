/**
 * Per-frame timbre descriptors beyond Meyda's set, all on one amplitude spectrum (bins 0..N/2−1
 * of an N-point frame): octave-band spectral contrast (Jiang et al. 2002, the librosa recipe),
 * sensory roughness of the strongest partials (Sethares 1993), band energy shares and spectral
 * entropy. Ratios and dB differences only, so they do not depend on playback level.
 */

/** Octave band edges in Hz of spectral contrast; the last band runs to Nyquist. */
export const CONTRAST_EDGES_HZ = [0, 200, 400, 800, 1600, 3200, 6400];
/** Share of a band's bins averaged for its peak and its valley. */
const CONTRAST_QUANTILE = 0.02;
/** Band edges in Hz for the energy shares: bass, low-mid, mid, presence, air. */
export const ENERGY_BANDS_HZ = [0, 150, 800, 3000, 8000];

export interface SpectralContrast {
  /** Peak minus valley in dB per band. */
  contrast: number[];
  /** Valley in dB relative to the frame's mean magnitude, per band. */
  valley: number[];
}

export function spectralContrast(spectrum: ArrayLike<number>, sampleRate: number, frameSize: number): SpectralContrast {
  const binHz = sampleRate / frameSize;
  const edges = [...CONTRAST_EDGES_HZ.map((hz) => Math.round(hz / binHz)), spectrum.length];
  let total = 0;
  for (let i = 0; i < spectrum.length; i++) total += spectrum[i]!;
  const level = total / spectrum.length + 1e-12;
  const contrast: number[] = [];
  const valley: number[] = [];
  for (let b = 0; b + 1 < edges.length; b++) {
    const band = Float64Array.from(
      { length: Math.max(1, edges[b + 1]! - edges[b]!) },
      (_, i) => spectrum[Math.min(spectrum.length - 1, edges[b]! + i)]!,
    ).sort();
    const n = Math.max(1, Math.round(CONTRAST_QUANTILE * band.length));
    let lo = 0;
    let hi = 0;
    for (let i = 0; i < n; i++) {
      lo += band[i]!;
      hi += band[band.length - 1 - i]!;
    }
    lo /= n;
    hi /= n;
    contrast.push(10 * Math.log10((hi + 1e-10) / (lo + 1e-10)));
    valley.push(10 * Math.log10((lo + 1e-10) / level));
  }
  return { contrast, valley };
}

/** Share of spectral power in each ENERGY_BANDS_HZ band (sums to 1; zeros for a silent frame). */
export function bandEnergyShares(spectrum: ArrayLike<number>, sampleRate: number, frameSize: number): number[] {
  const binHz = sampleRate / frameSize;
  const shares = new Array<number>(ENERGY_BANDS_HZ.length).fill(0);
  let total = 0;
  for (let i = 0; i < spectrum.length; i++) {
    const p = spectrum[i]! ** 2;
    total += p;
    let band = ENERGY_BANDS_HZ.length - 1;
    while (band > 0 && i * binHz < ENERGY_BANDS_HZ[band]!) band--;
    shares[band]! += p;
  }
  return total > 0 ? shares.map((s) => s / total) : shares;
}

/** Shannon entropy of the normalised power spectrum over log2(bins): 0 a pure tone, 1 white noise. */
export function spectralEntropy(spectrum: ArrayLike<number>): number {
  let total = 0;
  for (let i = 0; i < spectrum.length; i++) total += spectrum[i]! ** 2;
  if (!(total > 0)) return 0;
  let h = 0;
  for (let i = 0; i < spectrum.length; i++) {
    const p = spectrum[i]! ** 2 / total;
    if (p > 0) h -= p * Math.log2(p);
  }
  return h / Math.log2(spectrum.length);
}

/** How many of the strongest spectral peaks roughness looks at. */
const ROUGHNESS_PEAKS = 24;

/**
 * Sethares' sensory dissonance summed over all pairs of the strongest spectral peaks, divided by
 * their summed amplitude: beating partials a few Hz to a critical band apart (clusters,
 * distortion, dense minor harmony) score high, consonant or sparse spectra low.
 */
export function roughness(spectrum: ArrayLike<number>, sampleRate: number, frameSize: number): number {
  const binHz = sampleRate / frameSize;
  const peaks: { f: number; a: number }[] = [];
  const first = Math.max(1, Math.ceil(30 / binHz));
  for (let i = first; i < spectrum.length - 1; i++) {
    const a = spectrum[i]!;
    if (a > 0 && a > spectrum[i - 1]! && a >= spectrum[i + 1]!) peaks.push({ f: i * binHz, a });
  }
  peaks.sort((x, y) => y.a - x.a);
  const top = peaks.slice(0, ROUGHNESS_PEAKS);
  let sumA = 0;
  for (const p of top) sumA += p.a;
  if (!(sumA > 0)) return 0;
  let d = 0;
  for (let i = 0; i < top.length; i++) {
    for (let j = i + 1; j < top.length; j++) {
      const lo = Math.min(top[i]!.f, top[j]!.f);
      const s = 0.24 / (0.0207 * lo + 18.96);
      const df = Math.abs(top[i]!.f - top[j]!.f);
      d += Math.min(top[i]!.a, top[j]!.a) * (Math.exp(-3.51 * s * df) - Math.exp(-5.75 * s * df));
    }
  }
  return d / sumA;
}

/** Band edges in Hz for per-band flatness and flux: bass, low-mid, high-mid, high. */
export const DETAIL_BANDS_HZ = [30, 250, 2000, 6000];

/**
 * Spectral flatness (geometric over arithmetic mean of power) in each DETAIL_BANDS_HZ band:
 * near 1 noise-like (distortion, cymbals, breath), near 0 tonal. Zeros for a silent band.
 */
export function bandFlatness(spectrum: ArrayLike<number>, sampleRate: number, frameSize: number): number[] {
  return bandRanges(spectrum.length, sampleRate, frameSize).map(([lo, hi]) => {
    let logSum = 0;
    let sum = 0;
    for (let i = lo; i < hi; i++) {
      const p = spectrum[i]! ** 2 + 1e-20;
      logSum += Math.log(p);
      sum += p;
    }
    const n = hi - lo;
    return n > 0 && sum > n * 1e-20 ? Math.exp(logSum / n) / (sum / n) : 0;
  });
}

/**
 * Per-band flux: half-wave rectified change of each band's magnitudes between two frames, over
 * the louder frame's total magnitude (so bands add up to a level-free whole-spectrum flux).
 * Bass flux follows kick drums and bass lines, high flux hi-hats and strums.
 */
export function bandFlux(previous: ArrayLike<number>, current: ArrayLike<number>, sampleRate: number, frameSize: number): number[] {
  let a = 0;
  let b = 0;
  for (let i = 0; i < current.length; i++) {
    a += previous[i]!;
    b += current[i]!;
  }
  const scale = Math.max(a, b);
  return bandRanges(current.length, sampleRate, frameSize).map(([lo, hi]) => {
    if (!(scale > 0)) return 0;
    let flux = 0;
    for (let i = lo; i < hi; i++) flux += Math.max(0, current[i]! - previous[i]!);
    return flux / scale;
  });
}

function bandRanges(bins: number, sampleRate: number, frameSize: number): [number, number][] {
  const binHz = sampleRate / frameSize;
  const edges = [...DETAIL_BANDS_HZ.map((hz) => Math.min(bins, Math.round(hz / binHz))), bins];
  return edges.slice(0, -1).map((lo, b) => [lo, edges[b + 1]!]);
}
