/**
 * Probability calibration of the emotion models (issue #17).
 *
 * Each shipped model has a `<model>.calibration.json` beside it, made by cross-validation on dev data
 * (voice: `models/build/train_ser_speaker_cv.py`, face: `models/eval/calibrate-face.ts`). It holds one
 * temperature T and the CV confusion matrix of the model's readings (FER order), which fusion turns
 * into per-class reliability. A temperature on probabilities is the same map as on logits:
 * softmax(log p / T) = p^(1/T) / Σ p^(1/T), since log p differs from the logits by a constant.
 * The voice model has T baked into its graph (`applied_in_graph`), so only the face model's T is
 * applied here, by the mood fusion that consumes the readings.
 */
import fs from 'node:fs';
import path from 'node:path';

import { FER_LABELS } from '../vocabulary/emotions.js';

export interface Calibration {
  model: string;
  /** softmax(z / T): T > 1 softens an over-confident model, T < 1 sharpens an under-confident one. */
  temperature: number;
  /** True when the model file already applies T (nothing to do at run time). */
  applied_in_graph: boolean;
  /** Rows true class, columns the reading's top class, FER_LABELS order, counted in CV. */
  window_confusion: number[][];
  labels: string[];
  [k: string]: unknown;
}

const MODELS_DIR = path.dirname(new URL(import.meta.url).pathname);

export const FACE_CALIBRATION_FILE = path.join(MODELS_DIR, 'face/mini_xception_64_flip.calibration.json');
export const VOICE_CALIBRATION_FILE = path.join(MODELS_DIR, 'voice/ser_speaker_lr.calibration.json');

/** Reads and checks a calibration file; a malformed one is an error naming the file. */
export function loadCalibration(file: string): Calibration {
  const c = JSON.parse(fs.readFileSync(file, 'utf8')) as Calibration;
  const k = FER_LABELS.length;
  const ok =
    Number.isFinite(c.temperature) &&
    c.temperature > 0 &&
    Array.isArray(c.window_confusion) &&
    c.window_confusion.length === k &&
    c.window_confusion.every((row) => Array.isArray(row) && row.length === k && row.every((v) => Number.isFinite(v) && v >= 0)) &&
    Array.isArray(c.labels) &&
    c.labels.join() === FER_LABELS.join();
  if (!ok) throw new Error(`${file}: not a calibration file (temperature > 0, a ${k}×${k} window_confusion in FER order)`);
  return c;
}

/** p^(1/T), renormalised: temperature scaling applied to a probability vector. */
export function temperatureScale(p: readonly number[], temperature: number): number[] {
  if (temperature === 1) return [...p];
  const logs = p.map((x) => Math.log(Math.max(x, 1e-12)) / temperature);
  const top = Math.max(...logs);
  const e = logs.map((x) => Math.exp(x - top));
  const sum = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / sum);
}

/** Negative log-likelihood of the truth under temperature-scaled probabilities. */
function nll(probabilities: readonly (readonly number[])[], truth: readonly number[], temperature: number): number {
  let s = 0;
  probabilities.forEach((p, i) => (s -= Math.log(Math.max(temperatureScale(p, temperature)[truth[i]!]!, 1e-12))));
  return s / Math.max(1, probabilities.length);
}

/** The temperature in [0.2, 5] that minimises NLL (golden-section search on log T; NLL is unimodal in it). */
export function fitTemperature(probabilities: readonly (readonly number[])[], truth: readonly number[]): number {
  let lo = Math.log(0.2);
  let hi = Math.log(5);
  const g = (Math.sqrt(5) - 1) / 2;
  let a = hi - g * (hi - lo);
  let b = lo + g * (hi - lo);
  let fa = nll(probabilities, truth, Math.exp(a));
  let fb = nll(probabilities, truth, Math.exp(b));
  for (let i = 0; i < 60; i++) {
    if (fa < fb) {
      hi = b;
      b = a;
      fb = fa;
      a = hi - g * (hi - lo);
      fa = nll(probabilities, truth, Math.exp(a));
    } else {
      lo = a;
      a = b;
      fa = fb;
      b = lo + g * (hi - lo);
      fb = nll(probabilities, truth, Math.exp(b));
    }
  }
  return Math.exp((lo + hi) / 2);
}
