/**
 * Audio features of one decoded track, computed in TypeScript on Meyda's (MIT) spectral
 * extractors plus this folder's own descriptors: tempo, key and mode, energy and dynamics,
 * spectral shape and contrast, MFCC statistics and their motion, roughness, harmonic/percussive
 * balance, tonal centroid and harmonic change, rhythm steadiness, and ~3 s segment statistics.
 * The importer and the valence/arousal model's training export both call computeFeatures(), so
 * the model sees exactly the numbers it was trained on.
 */
import Meyda from 'meyda';

import { percussiveShares } from './hpss.js';
import { estimateKey, KEY_NAMES } from './key.js';
import { onsetRate, tempoStability } from './rhythm.js';
import { deltaStd, mean, percentile, segmentMeans, std } from './stats.js';
import { estimateTempo } from './tempo.js';
import { bandEnergyShares, bandFlatness, bandFlux, roughness, spectralContrast, spectralEntropy } from './timbre.js';
import { chromaEntropy, segmentKeys, summariseChords, summariseTonal } from './tonal.js';

export { mean, std } from './stats.js';

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

/** Frames quieter than this (about −80 dBFS) are left out of the shape descriptors. */
const SILENT_RMS = 1e-4;
const BAND_NAMES = ['bass', 'lowmid', 'mid', 'presence', 'air'];
const DETAIL_BAND_NAMES = ['bass', 'lowmid', 'highmid', 'high'];
/** Length of the segments whose means give the segment-level statistics. */
const SEGMENT_S = 3;

const SPECTRAL = [
  'amplitudeSpectrum',
  'rms',
  'zcr',
  'spectralCentroid',
  'spectralRolloff',
  'spectralFlatness',
  'spectralSpread',
  'spectralKurtosis',
  'mfcc',
  'chroma',
];

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
  // Per analysed (non-silent) frame, for the descriptors that need the whole series.
  const spectra: Float32Array[] = [];
  const chromaFrames: number[][] = [];
  const chromaWeights: number[] = [];
  const series = new Map<string, number[]>();
  const track = (name: string, v: number) => {
    let list = series.get(name);
    if (!list) series.set(name, (list = []));
    list.push(v);
  };
  let previousNormalised: Float64Array | undefined;
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
    // Shape descriptors of (near-)silent frames are noise: leave those frames out of them.
    if (!(rms > SILENT_RMS)) continue;
    const previousLoud = spectra[spectra.length - 1];
    spectra.push(previous);
    bandFlatness(spectrum, sampleRate, FRAME).forEach((v, b) => track(`flatness_${DETAIL_BAND_NAMES[b]}`, v));
    if (previousLoud) bandFlux(previousLoud, spectrum, sampleRate, FRAME).forEach((v, b) => track(`flux_${DETAIL_BAND_NAMES[b]}`, v));
    track('rms_db', 20 * Math.log10(rms));
    track('centroid', ((out.spectralCentroid as number) * sampleRate) / FRAME);
    const contrast = spectralContrast(spectrum, sampleRate, FRAME);
    contrast.contrast.forEach((v, b) => track(`contrast${b}`, v));
    contrast.valley.forEach((v, b) => track(`valley${b}`, v));
    bandEnergyShares(spectrum, sampleRate, FRAME).forEach((v, b) => track(`band_${BAND_NAMES[b]}`, v));
    track('spectral_entropy', spectralEntropy(spectrum));
    track('roughness', roughness(spectrum, sampleRate, FRAME));
    const normalised = l1Normalised(spectrum);
    track('flux_norm', previousNormalised ? l2Distance(previousNormalised, normalised) : 0);
    previousNormalised = normalised;
    if (c.every(Number.isFinite)) {
      chromaFrames.push(c);
      chromaWeights.push(rms);
      track('chroma_entropy', chromaEntropy(c));
    }
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
  Object.assign(vector, describeMotion(stats, series, chromaFrames, chromaWeights, spectra, key.tonic, sampleRate / (2 * HOP)));
  Object.assign(vector, describeRhythm(onset, sampleRate / HOP));
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

/**
 * Descriptors of the frame series: MFCC motion, contrast, band shares, roughness, harmonic and
 * percussive balance, tonal centroid and harmonic change, dynamics, and the spread of ~3 s
 * segment means (how much the track changes over time).
 */
function describeMotion(
  stats: Map<string, number[]>,
  series: Map<string, number[]>,
  chromaFrames: number[][],
  chromaWeights: number[],
  spectra: Float32Array[],
  tonic: number,
  framesPerSecond: number,
): Record<string, number> {
  const v: Record<string, number> = {};
  const segmentFrames = Math.round(SEGMENT_S * framesPerSecond);
  const get = (name: string) => series.get(name) ?? [0];
  for (let i = 1; i <= 13; i++) v[`mfcc${i}_dstd`] = deltaStd(stats.get(`mfcc${i}`) ?? []);
  for (const name of [
    'contrast0',
    'contrast1',
    'contrast2',
    'contrast3',
    'contrast4',
    'contrast5',
    'contrast6',
    'spectral_entropy',
    'roughness',
    'flux_norm',
    'chroma_entropy',
  ]) {
    v[`${name}_mean`] = mean(get(name));
    v[`${name}_std`] = std(get(name));
  }
  for (let b = 0; b < 7; b++) v[`valley${b}_mean`] = mean(get(`valley${b}`));
  for (const band of DETAIL_BAND_NAMES) {
    v[`flatness_${band}_mean`] = mean(get(`flatness_${band}`));
    v[`flux_${band}_mean`] = mean(get(`flux_${band}`));
    v[`flux_${band}_std`] = std(get(`flux_${band}`));
  }
  for (const band of BAND_NAMES) v[`band_${band}_mean`] = mean(get(`band_${band}`));

  const percussive = percussiveShares(spectra);
  series.set('percussive', percussive.frames);
  v.percussive_share = percussive.overall;
  v.percussive_std = std(percussive.frames);

  const tonal = summariseTonal(chromaFrames);
  series.set('hcdf', tonal.hcdf);
  ['fifths', 'minor_thirds', 'major_thirds'].forEach((circle, k) => {
    v[`tonal_${circle}_frame`] = tonal.frameStrength[k]!;
    v[`tonal_${circle}_global`] = tonal.globalStrength[k]!;
  });
  v.hcdf_mean = tonal.hcdfMean;
  v.hcdf_std = tonal.hcdfStd;
  const keys = segmentKeys(chromaFrames, chromaWeights, segmentFrames, tonic);
  v.key_clarity_seg = keys.clarityMean;
  v.mode_score_seg_mean = keys.modeScoreMean;
  v.mode_score_seg_std = keys.modeScoreStd;
  v.major_share_seg = keys.majorShare;
  v.tonic_agreement_seg = keys.tonicAgreement;
  const chords = summariseChords(chromaFrames, framesPerSecond);
  v.chord_major_share = chords.majorShare;
  v.chord_strength = chords.strengthMean;
  v.chord_changes_per_s = chords.changesPerSecond;

  const rmsDb = get('rms_db');
  const rms = stats.get('rms') ?? [0];
  const rmsMean = mean(rms);
  v.low_energy_ratio = rms.filter((r) => r < rmsMean).length / rms.length;
  v.rms_db_p10 = percentile(rmsDb, 0.1);
  v.rms_db_p50 = percentile(rmsDb, 0.5);
  v.rms_db_p90 = percentile(rmsDb, 0.9);
  v.rms_db_std = std(rmsDb);
  v.rms_db_dstd = deltaStd(rmsDb);

  for (const name of ['rms_db', 'centroid', 'flux_norm', 'roughness', 'hcdf', 'percussive', 'spectral_entropy']) {
    const segments = segmentMeans(get(name), segmentFrames);
    v[`seg_${name}_std`] = std(segments);
  }
  const loudness = segmentMeans(rmsDb, segmentFrames);
  v.seg_rms_db_range = Math.max(...loudness) - Math.min(...loudness);
  return v;
}

function describeRhythm(onset: Float32Array, frameRate: number): Record<string, number> {
  const stability = tempoStability(onset, frameRate);
  return {
    onset_rate: onsetRate(onset, frameRate),
    tempo_log2_std: stability.log2BpmStd,
    pulse_clarity_win_mean: stability.clarityMean,
    pulse_clarity_win_std: stability.clarityStd,
  };
}

function l1Normalised(spectrum: ArrayLike<number>): Float64Array {
  const out = Float64Array.from(spectrum);
  let s = 0;
  for (let i = 0; i < out.length; i++) s += out[i]!;
  if (s > 0) for (let i = 0; i < out.length; i++) out[i]! /= s;
  return out;
}

function l2Distance(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i]! - b[i]!) ** 2;
  return Math.sqrt(s);
}
