/**
 * Audio features of one decoded track, computed in TypeScript on Meyda's (MIT) spectral
 * extractors: tempo, key and mode, energy, spectral shape, MFCC statistics. The importer and the
 * valence/arousal model's training export both call computeFeatures(), so the model sees exactly
 * the numbers it was trained on.
 */
import Meyda from 'meyda';
import { estimateKey, KEY_NAMES } from './key.js';
import { estimateTempo } from './tempo.js';

export const FRAME = 2048;
export const HOP = 512;

export interface TrackFeatures {
  bpm: number;
  /** Autocorrelation strength at the chosen beat period (0..1): how clear the pulse is. */
  pulseClarity: number;
  key: (typeof KEY_NAMES)[number];
  mode: 'major' | 'minor';
  keyConfidence: number;
  /** Mean frame RMS (full scale = 1). */
  energy: number;
  spectralCentroidHz: number;
  /** Flat numeric vector for the valence/arousal model (names are stable; see FEATURE_NAMES). */
  vector: Record<string, number>;
}

type MeydaLike = {
  bufferSize: number;
  sampleRate: number;
  numberOfMFCCCoefficients: number;
  chromaBands: number;
  melBands: number;
  chromaFilterBank?: unknown;
  melFilterBank?: unknown;
  extract: (features: string[], signal: Float32Array) => Record<string, unknown> | null;
};
const meyda = Meyda as unknown as MeydaLike;

const SPECTRAL = ['amplitudeSpectrum', 'rms', 'zcr', 'spectralCentroid', 'spectralRolloff', 'spectralFlatness', 'spectralSpread', 'spectralKurtosis', 'mfcc', 'chroma'];

export function computeFeatures(samples: Float32Array, sampleRate: number, loudnessLufs: number): TrackFeatures {
  configureMeyda(sampleRate);
  const frames = Math.max(0, Math.floor((samples.length - FRAME) / HOP) + 1);
  if (frames < 8) throw new Error('audio too short to analyse (needs about half a second)');
  const onset = new Float32Array(frames);
  const stats = new Map<string, number[]>();
  const push = (name: string, v: number) => {
    let list = stats.get(name);
    if (!list) stats.set(name, (list = []));
    list.push(Number.isFinite(v) ? v : 0);
  };
  const chroma = new Float64Array(12);
  let previous: Float32Array | undefined;
  for (let f = 0; f < frames; f++) {
    const frame = samples.subarray(f * HOP, f * HOP + FRAME);
    // Full spectral statistics on every second frame (hop 1024, 46 ms) are plenty; the onset
    // envelope for tempo needs the finer hop.
    const full = f % 2 === 0;
    const out = meyda.extract(full ? SPECTRAL : ['amplitudeSpectrum'], frame)!;
    const spectrum = out.amplitudeSpectrum as Float32Array;
    onset[f] = previous ? spectralFlux(previous, spectrum) : 0;
    previous = Float32Array.from(spectrum);
    if (!full) continue;
    const rms = out.rms as number;
    push('rms', rms);
    push('zcr', (out.zcr as number) / FRAME);
    push('centroid', ((out.spectralCentroid as number) * sampleRate) / FRAME);
    push('rolloff', out.spectralRolloff as number);
    push('flatness', out.spectralFlatness as number);
    push('spread', ((out.spectralSpread as number) * sampleRate) / FRAME);
    push('kurtosis', out.spectralKurtosis as number);
    (out.mfcc as number[]).forEach((c, i) => push(`mfcc${i + 1}`, c));
    // Loud frames say more about harmony than near-silent ones.
    const c = out.chroma as number[];
    if (c.every(Number.isFinite)) for (let i = 0; i < 12; i++) chroma[i]! += c[i]! * rms;
  }

  const tempo = estimateTempo(onset, sampleRate / HOP);
  const key = estimateKey(chroma);
  const rmsDb = (stats.get('rms') ?? [0]).map((r) => 20 * Math.log10(r + 1e-6));
  const vector: Record<string, number> = {
    bpm: tempo.bpm,
    pulse_clarity: tempo.clarity,
    onset_mean: mean(Array.from(onset)),
    onset_std: std(Array.from(onset)),
    mode_major: key.mode === 'major' ? 1 : 0,
    key_confidence: key.confidence,
    mode_score: key.modeScore,
    loudness_lufs: loudnessLufs,
    dynamic_range_db: percentile(rmsDb, 0.95) - percentile(rmsDb, 0.1),
  };
  for (const [name, values] of stats) {
    vector[`${name}_mean`] = mean(values);
    vector[`${name}_std`] = std(values);
  }
  // Key-relative chroma profile (rotated so the tonic is bin 0): harmony without the absolute key.
  const total = chroma.reduce((a, b) => a + b, 0) || 1;
  for (let i = 0; i < 12; i++) vector[`chroma_rel${i}`] = chroma[(i + key.tonic) % 12]! / total;
  return {
    bpm: tempo.bpm,
    pulseClarity: tempo.clarity,
    key: KEY_NAMES[key.tonic]!,
    mode: key.mode,
    keyConfidence: key.confidence,
    energy: mean(stats.get('rms') ?? [0]),
    spectralCentroidHz: mean(stats.get('centroid') ?? [0]),
    vector,
  };
}

function configureMeyda(sampleRate: number): void {
  if (meyda.bufferSize !== FRAME || meyda.sampleRate !== sampleRate) {
    meyda.bufferSize = FRAME;
    meyda.sampleRate = sampleRate;
    meyda.numberOfMFCCCoefficients = 13;
    meyda.chromaBands = 12;
    // Meyda caches its filter banks and does not rebuild them when the buffer size or rate changes.
    meyda.chromaFilterBank = undefined;
    meyda.melFilterBank = undefined;
  }
}

/** Half-wave rectified difference of log-compressed magnitudes: how much new energy appeared. */
function spectralFlux(previous: Float32Array, current: Float32Array): number {
  let flux = 0;
  for (let i = 0; i < current.length; i++) {
    const d = Math.log1p(100 * current[i]!) - Math.log1p(100 * previous[i]!);
    if (d > 0) flux += d;
  }
  return flux;
}

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

function percentile(values: number[], q: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}
