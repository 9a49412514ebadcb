/**
 * Tempo from an onset-strength envelope: autocorrelation over beat periods of 50–220 BPM with a
 * broad log-normal preference around 120 BPM (which resolves most octave ambiguity the usual
 * way), then sub-frame refinement from the peaks at 1–4 periods, so the estimate is finer than
 * one envelope frame (23 ms).
 */
export interface Tempo {
  bpm: number;
  /** Normalised autocorrelation at the chosen period, 0..1. */
  clarity: number;
}

const MIN_BPM = 50;
const MAX_BPM = 220;

export function estimateTempo(onset: Float32Array, frameRate: number): Tempo {
  const env = smooth(normalise(onset, Math.round(frameRate * 0.4)));
  const minLag = Math.floor((60 * frameRate) / MAX_BPM);
  const maxLag = Math.ceil((60 * frameRate) / MIN_BPM);
  const acf = autocorrelation(env, Math.min(env.length - 1, 4 * maxLag + 4));
  if (!(acf[0]! > 0)) return { bpm: 120, clarity: 0 };
  let bestLag = 0;
  let bestScore = -Infinity;
  for (let lag = minLag; lag <= Math.min(maxLag, acf.length - 1); lag++) {
    const bpm = (60 * frameRate) / lag;
    const prior = Math.exp(-0.5 * (Math.log2(bpm / 120) / 1.0) ** 2);
    // A true beat period also shows peaks at twice its lag: reward that, it damps sub-beat accents.
    const harmonic = 2 * lag < acf.length ? 0.5 * acf[2 * lag]! : 0;
    const score = (acf[lag]! + harmonic) * prior;
    if (score > bestScore) {
      bestScore = score;
      bestLag = lag;
    }
  }
  if (bestLag === 0) return { bpm: 120, clarity: 0 };
  // Refine: locate the interpolated peak near k·lag for k = 1..4 and fit period = Σk·p / Σk².
  let num = 0;
  let den = 0;
  for (let k = 1; k <= 4; k++) {
    const centre = Math.round(k * bestLag);
    if (centre + 2 >= acf.length) break;
    let peak = centre;
    for (let l = centre - 2; l <= centre + 2; l++) if (acf[l]! > acf[peak]!) peak = l;
    const a = acf[peak - 1]!;
    const b = acf[peak]!;
    const c = acf[peak + 1]!;
    const denom = a - 2 * b + c;
    const offset = denom < 0 ? (0.5 * (a - c)) / denom : 0;
    num += k * (peak + Math.max(-0.5, Math.min(0.5, offset)));
    den += k * k;
  }
  const period = den > 0 ? num / den : bestLag;
  return { bpm: (60 * frameRate) / period, clarity: Math.max(0, Math.min(1, acf[bestLag]! / acf[0]!)) };
}

/**
 * A short triangular blur (±2 frames): a beat period that is not a whole number of frames puts
 * successive onsets one frame early or late, and unblurred they would barely correlate at the
 * true lag, letting twice the period win.
 */
function smooth(x: Float64Array): Float64Array {
  const kernel = [1, 2, 3, 2, 1];
  const out = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    let s = 0;
    for (let k = -2; k <= 2; k++) {
      const j = i + k;
      if (j >= 0 && j < x.length) s += kernel[k + 2]! * x[j]!;
    }
    out[i] = s / 9;
  }
  return out;
}

/** Subtract a moving average and keep the positive part: onsets relative to their surroundings. */
function normalise(onset: Float32Array, window: number): Float64Array {
  const out = new Float64Array(onset.length);
  let sum = 0;
  const half = Math.max(1, Math.floor(window / 2));
  const prefix = new Float64Array(onset.length + 1);
  for (let i = 0; i < onset.length; i++) prefix[i + 1] = prefix[i]! + onset[i]!;
  for (let i = 0; i < onset.length; i++) {
    const lo = Math.max(0, i - half);
    const hi = Math.min(onset.length, i + half + 1);
    sum = (prefix[hi]! - prefix[lo]!) / (hi - lo);
    out[i] = Math.max(0, onset[i]! - sum);
  }
  return out;
}

function autocorrelation(x: Float64Array, maxLag: number): Float64Array {
  const out = new Float64Array(maxLag + 1);
  for (let lag = 0; lag <= maxLag; lag++) {
    let s = 0;
    for (let i = lag; i < x.length; i++) s += x[i]! * x[i - lag]!;
    // Unbiased: longer lags have fewer terms.
    out[lag] = s / (x.length - lag);
  }
  return out;
}
