/**
 * Rhythm descriptors from the onset-strength envelope: how many note onsets per second, and how
 * steady the pulse is across the track (tempo and pulse clarity re-estimated on ~6 s windows).
 */
import { mean, std } from './stats.js';
import { estimateTempo } from './tempo.js';

/**
 * Onsets per second: local maxima (±50 ms) of the envelope that stand above a moving average
 * (±0.5 s) by half the envelope's standard deviation, at least 50 ms apart.
 */
export function onsetRate(onset: ArrayLike<number>, frameRate: number): number {
  const n = onset.length;
  if (n < 3) return 0;
  const prefix = new Float64Array(n + 1);
  for (let i = 0; i < n; i++) prefix[i + 1] = prefix[i]! + onset[i]!;
  const sd = std(onset);
  const half = Math.max(1, Math.round(frameRate * 0.5));
  const near = Math.max(1, Math.round(frameRate * 0.05));
  let count = 0;
  let last = -Infinity;
  for (let i = 0; i < n; i++) {
    const lo = Math.max(0, i - half);
    const hi = Math.min(n, i + half + 1);
    const local = (prefix[hi]! - prefix[lo]!) / (hi - lo);
    if (onset[i]! <= local + 0.5 * sd) continue;
    let isPeak = true;
    for (let j = Math.max(0, i - near); j <= Math.min(n - 1, i + near) && isPeak; j++) if (onset[j]! > onset[i]!) isPeak = false;
    if (isPeak && i - last >= near) {
      count++;
      last = i;
    }
  }
  return count / (n / frameRate);
}

export interface TempoStability {
  /** Std of log2(BPM) over windows: 0 a steady tempo (octave jumps count as 1). */
  log2BpmStd: number;
  /** Mean and std of pulse clarity over windows. */
  clarityMean: number;
  clarityStd: number;
}

const WINDOW_S = 6;
const HOP_S = 3;

export function tempoStability(onset: Float32Array, frameRate: number): TempoStability {
  const win = Math.round(WINDOW_S * frameRate);
  const hop = Math.round(HOP_S * frameRate);
  const bpms: number[] = [];
  const clarity: number[] = [];
  for (let start = 0; start + win <= onset.length; start += hop) {
    const t = estimateTempo(onset.subarray(start, start + win), frameRate);
    bpms.push(Math.log2(t.bpm));
    clarity.push(t.clarity);
  }
  if (bpms.length === 0) {
    const t = estimateTempo(onset, frameRate);
    return { log2BpmStd: 0, clarityMean: t.clarity, clarityStd: 0 };
  }
  return { log2BpmStd: std(bpms), clarityMean: mean(clarity), clarityStd: std(clarity) };
}
