/**
 * Per-participant mood fusion: face and voice readings in, one smoothed mood out.
 * Time comes only from the timestamps the caller passes, so tests drive it directly.
 * The rules (calibration, per-class reliability weights, contradiction, "not sure", hysteresis, decay)
 * are documented in MOOD.md.
 */
import { argmax } from '../../models/argmax.js';
import { temperatureScale } from '../../models/calibration.js';
import { CIRCUMPLEX, pointOf } from '../../vocabulary/circumplex.js';
import { FER_LABELS } from '../../vocabulary/emotions.js';
import { measuredCalibration, type ModalityCalibration } from './reliability.js';
import type { FusedMood, FusionWeights, Modality, ModalityReading } from './types.js';

export interface FusionOptions {
  /** Base weights before confidence, per-class reliability and availability re-weighting. */
  weights: FusionWeights;
  /**
   * Per modality: the temperature that calibrates its probabilities and the per-class reliability of its
   * readings (measured by CV, `reliability.ts`). null: probabilities taken as they come, every class equally reliable.
   */
  calibration: Record<Modality, ModalityCalibration> | null;
  /** "Not sure": the current emotion's smoothed (calibrated) probability is below this… */
  unsureBelow: number;
  /** …or face and voice name different emotions, each with at least this (calibrated) confidence. */
  conflictConfidence: number;
  /** A reading below this confidence counts as absent. */
  minConfidence: number;
  /** A reading older than this no longer counts (the modality went quiet). */
  staleAfterMs: number;
  /** Time constant of the exponential smoothing of the probability vector. */
  smoothingMs: number;
  /** No single reading moves the smoothed vector by more than this share. */
  maxStep: number;
  /** A new emotion must lead for this long, backed by at least minSupport readings that name it, to take over. */
  switchAfterMs: number;
  minSupport: number;
  /** Half-life of the confidence while no modality has evidence. */
  holdHalfLifeMs: number;
  /** Contradiction: the more confident modality gets this weight; confidences closer than tieMargin are a tie. */
  leaderWeight: number;
  tieMargin: number;
}

export const DEFAULT_FUSION_OPTIONS: FusionOptions = {
  // The product's default, face 60 / voice 40 (the face model is the better of the two on unseen
  // people); `calibration` then adjusts it per class by what each modality's reading of that class
  // is measured to be worth.
  weights: { face: 0.6, voice: 0.4 },
  calibration: measuredCalibration(),
  unsureBelow: 0.4,
  conflictConfidence: 0.5,
  minConfidence: 0.2,
  staleAfterMs: 2500,
  smoothingMs: 600,
  maxStep: 0.4,
  switchAfterMs: 1000,
  minSupport: 3,
  holdHalfLifeMs: 5000,
  leaderWeight: 0.8,
  tieMargin: 0.05,
};

interface Stamped {
  reading: ModalityReading | null;
  t: number;
}

const NEUTRAL = FER_LABELS.indexOf('neutral');

export class MoodFusion {
  readonly options: FusionOptions;
  private latest: Record<Modality, Stamped | undefined> = { face: undefined, voice: undefined };
  private smoothed: number[] = FER_LABELS.map((_, i) => (i === NEUTRAL ? 1 : 0));
  private current = NEUTRAL;
  private pending: { index: number; since: number; support: number } | undefined;
  private evidence = 0; // smoothed confidence of the evidence itself
  private lastEvidenceT: number | undefined;
  private lastT: number | undefined;
  private lastWeights: FusionWeights;
  private conflict = false; // the latest evidence: face and voice confidently named different emotions
  private mood: FusedMood;

  constructor(options: Partial<FusionOptions> = {}) {
    this.options = { ...DEFAULT_FUSION_OPTIONS, ...options };
    const { face, voice } = this.options.weights;
    if (!(face >= 0 && voice >= 0 && face + voice > 0)) throw new Error('fusion weights must be non-negative and not both 0');
    this.lastWeights = { face: face / (face + voice), voice: voice / (face + voice) };
    this.mood = this.snapshot(0, false, 'no-evidence', 0);
  }

  /** Records one modality's reading (null = nothing usable: no face, camera off, silence). */
  push(modality: Modality, reading: ModalityReading | null, t: number): void {
    this.latest[modality] = { reading: reading ? this.calibrate(modality, validate(reading, modality)) : null, t };
  }

  /** Convenience: push whatever modalities the sample carries, then read the mood at t. */
  update(sample: { t: number; face?: ModalityReading | null; voice?: ModalityReading | null }): FusedMood {
    if (sample.face !== undefined) this.push('face', sample.face, sample.t);
    if (sample.voice !== undefined) this.push('voice', sample.voice, sample.t);
    return this.read(sample.t);
  }

  /** Fuses the latest readings at time t and advances the smoothing. Call it on every tick. */
  read(t: number): FusedMood {
    const o = this.options;
    const face = this.usable('face', t);
    const voice = this.usable('voice', t);
    const rawFace = face ? o.weights.face * face.confidence : 0;
    const rawVoice = voice ? o.weights.voice * voice.confidence : 0;
    const dt = this.lastT === undefined ? Infinity : Math.max(0, t - this.lastT);
    this.lastT = t;

    if (rawFace + rawVoice === 0) {
      // Nothing seen or heard: hold the last mood, with confidence halving every holdHalfLifeMs.
      const since = this.lastEvidenceT === undefined ? 0 : t - this.lastEvidenceT;
      const decay = Math.pow(0.5, Math.max(0, since) / o.holdHalfLifeMs);
      this.conflict = false;
      this.mood = this.snapshot(t, true, 'no-evidence', this.evidence * decay);
      return this.mood;
    }
    this.conflict =
      !!(face && voice) &&
      argmax(face.probabilities) !== argmax(voice.probabilities) &&
      Math.min(face.confidence, voice.confidence) >= o.conflictConfidence;

    let weights: FusionWeights = { face: rawFace / (rawFace + rawVoice), voice: rawVoice / (rawFace + rawVoice) };
    let rule: FusedMood['rule'] = face && voice ? 'fused' : 'single';
    if (face && voice && contradict(face.probabilities, voice.probabilities)) {
      if (Math.abs(face.confidence - voice.confidence) <= o.tieMargin) {
        // A tie between opposite readings is no evidence of change: the previous mood holds.
        this.lastEvidenceT = t;
        this.lastWeights = weights;
        this.mood = this.snapshot(t, false, 'tie-held', this.evidence);
        return this.mood;
      }
      const faceLeads = face.confidence > voice.confidence;
      weights = faceLeads ? { face: o.leaderWeight, voice: 1 - o.leaderWeight } : { face: 1 - o.leaderWeight, voice: o.leaderWeight };
      rule = faceLeads ? 'face-led' : 'voice-led';
    }

    const { instant, shares } = this.pool(weights, face, voice);
    weights = shares;
    const instantConfidence = weights.face * (face?.confidence ?? 0) + weights.voice * (voice?.confidence ?? 0);
    const alpha = Math.min(o.maxStep, 1 - Math.exp(-dt / o.smoothingMs));
    this.smoothed = this.smoothed.map((s, i) => s + alpha * (instant[i]! - s));
    this.evidence += alpha * (instantConfidence - this.evidence);
    this.lastEvidenceT = t;
    this.lastWeights = weights;
    this.advanceClass(argmax(instant), t);
    this.mood = this.snapshot(t, false, rule, this.evidence);
    return this.mood;
  }

  /**
   * Linear pool with per-class weights: class c gets modality m's probability with weight
   * w_m · reliability_m[c], normalised over the modalities present. So a face that is reliable for happy
   * but not for disgust leads on happy and defers to the voice on disgust. Returns the fused vector (sums to
   * 1) and each modality's share of it, which is what `weights` reports.
   */
  private pool(
    w: FusionWeights,
    face: ModalityReading | undefined,
    voice: ModalityReading | undefined,
  ): { instant: number[]; shares: FusionWeights } {
    const cal = this.options.calibration;
    let fromFace = 0;
    let fromVoice = 0;
    const raw = FER_LABELS.map((_, c) => {
      let a = face ? w.face * (cal ? cal.face.reliability[c]! : 1) : 0;
      let b = voice ? w.voice * (cal ? cal.voice.reliability[c]! : 1) : 0;
      if (a + b === 0) [a, b] = [face ? w.face : 0, voice ? w.voice : 0]; // a class neither reads reliably: plain weights
      const f = (a / (a + b)) * (face?.probabilities[c] ?? 0);
      const v = (b / (a + b)) * (voice?.probabilities[c] ?? 0);
      fromFace += f;
      fromVoice += v;
      return f + v;
    });
    const total = fromFace + fromVoice;
    return { instant: raw.map((x) => x / total), shares: { face: fromFace / total, voice: fromVoice / total } };
  }

  /** The modality's probabilities through its temperature; its confidence scaled as its top probability moved. */
  calibrate(modality: Modality, r: ModalityReading): ModalityReading {
    const T = this.options.calibration?.[modality].temperature ?? 1;
    if (T === 1) return r;
    const p = temperatureScale(r.probabilities, T);
    const top = argmax(r.probabilities);
    return { probabilities: p, confidence: clamp01(r.confidence * (p[top]! / r.probabilities[top]!)) };
  }

  get last(): FusedMood {
    return this.mood;
  }

  /**
   * Hysteresis: a challenger is pending from the first reading that names it; every reading that
   * names it again adds support, a reading for the current mood cancels it. It takes over once
   * it leads the smoothed vector, has minSupport readings and has been pending switchAfterMs.
   */
  private advanceClass(instantTop: number, t: number): void {
    if (instantTop === this.current) {
      this.pending = undefined;
      return;
    }
    if (this.pending?.index === instantTop) this.pending.support += 1;
    else this.pending = { index: instantTop, since: t, support: 1 };
    const p = this.pending;
    if (argmax(this.smoothed) === p.index && p.support >= this.options.minSupport && t - p.since >= this.options.switchAfterMs) {
      this.current = p.index;
      this.pending = undefined;
    }
  }

  private usable(modality: Modality, t: number): ModalityReading | undefined {
    const stamped = this.latest[modality];
    if (!stamped?.reading) return undefined;
    if (t - stamped.t > this.options.staleAfterMs) return undefined;
    if (stamped.reading.confidence < this.options.minConfidence) return undefined;
    return stamped.reading;
  }

  private snapshot(t: number, held: boolean, rule: FusedMood['rule'], evidence: number): FusedMood {
    const label = FER_LABELS[this.current]!;
    const point = pointOf(this.smoothed);
    const confidence = clamp01(evidence * this.smoothed[this.current]!);
    const unsureReason: FusedMood['unsureReason'] = this.conflict
      ? 'conflict'
      : this.smoothed[this.current]! < this.options.unsureBelow || confidence < this.options.minConfidence
        ? 'low-confidence'
        : null;
    return {
      emotion: label,
      valence: point.valence,
      arousal: point.arousal,
      confidence,
      unsure: unsureReason !== null,
      unsureReason,
      probabilities: [...this.smoothed],
      weights: { ...this.lastWeights },
      held,
      rule,
      t,
    };
  }
}

/** Face and voice name emotions on opposite sides of neutral valence (happy vs sad, surprise vs fear…). */
export function contradict(a: readonly number[], b: readonly number[]): boolean {
  const la = FER_LABELS[argmax(a)]!;
  const lb = FER_LABELS[argmax(b)]!;
  return CIRCUMPLEX[la].valence * CIRCUMPLEX[lb].valence < 0;
}

function validate(reading: ModalityReading, modality: Modality): ModalityReading {
  const p = reading.probabilities;
  if (p.length !== FER_LABELS.length || p.some((x) => !Number.isFinite(x) || x < 0)) {
    throw new Error(`${modality} reading must be ${FER_LABELS.length} non-negative probabilities (${FER_LABELS.join(', ')})`);
  }
  const sum = p.reduce((a, b) => a + b, 0);
  if (sum <= 0) throw new Error(`${modality} probabilities sum to 0`);
  const confidence = Number.isFinite(reading.confidence) ? clamp01(reading.confidence) : 0;
  return { probabilities: p.map((x) => x / sum), confidence };
}

function clamp01(x: number): number {
  return Math.max(0, Math.min(1, x));
}
