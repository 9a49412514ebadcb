/**
 * Runtime of the music valence/arousal estimator: plain logistic-regression weights trained
 * offline by models/music/train.py on features from this project's own TypeScript feature code
 * (see models/music/MODEL_CARD.md). Valence and arousal come out in [-1, 1].
 */
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

export const DEFAULT_MODEL_PATH = fileURLToPath(new URL('../../models/music/music-va.json', import.meta.url));

export type Quadrant = 'Q1' | 'Q2' | 'Q3' | 'Q4';
export type TrackEmotion = 'happy' | 'tense' | 'sad' | 'calm';

/** The word each Russell quadrant gets in explanations and the UI. */
export const QUADRANT_EMOTION: Record<Quadrant, TrackEmotion> = { Q1: 'happy', Q2: 'tense', Q3: 'sad', Q4: 'calm' };

export interface MusicMood {
  valence: number;
  arousal: number;
  quadrant: Quadrant;
  emotion: TrackEmotion;
  /** P(Q1..Q4). */
  probabilities: [number, number, number, number];
}

interface LinearModel {
  mean: number[];
  scale: number[];
  coef: number[][];
  intercept: number[];
}

interface ModelFile {
  version: string;
  variant: 'quadrant' | 'axes';
  features: string[];
  models: LinearModel[];
}

export class MusicMoodModel {
  private constructor(private readonly model: ModelFile) {}

  static load(file = DEFAULT_MODEL_PATH): MusicMoodModel {
    let parsed: ModelFile;
    try {
      parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as ModelFile;
    } catch (err) {
      throw new Error(`cannot read the music mood model ${file}: ${(err as Error).message}`);
    }
    if (!Array.isArray(parsed.features) || !Array.isArray(parsed.models) || parsed.models.length === 0) {
      throw new Error(`${file} is not a music mood model (features/models missing)`);
    }
    return new MusicMoodModel(parsed);
  }

  get version(): string {
    return this.model.version;
  }

  estimate(vector: Record<string, number>): MusicMood {
    const x = this.model.features.map((name) => {
      const v = vector[name];
      if (v === undefined || !Number.isFinite(v)) throw new Error(`feature "${name}" missing or not finite`);
      return v;
    });
    let p: [number, number, number, number];
    if (this.model.variant === 'quadrant') {
      const logits = linear(this.model.models[0]!, x);
      const max = Math.max(...logits);
      const e = logits.map((l) => Math.exp(l - max));
      const s = e.reduce((a, b) => a + b, 0);
      p = e.map((v) => v / s) as typeof p;
    } else {
      const pv = sigmoid(linear(this.model.models[0]!, x)[0]!);
      const pa = sigmoid(linear(this.model.models[1]!, x)[0]!);
      p = [pv * pa, (1 - pv) * pa, (1 - pv) * (1 - pa), pv * (1 - pa)];
    }
    const valence = p[0] + p[3] - p[1] - p[2];
    const arousal = p[0] + p[1] - p[2] - p[3];
    const quadrant = (['Q1', 'Q2', 'Q3', 'Q4'] as const)[p.indexOf(Math.max(...p))]!;
    return { valence, arousal, quadrant, emotion: QUADRANT_EMOTION[quadrant], probabilities: p };
  }
}

function linear(m: LinearModel, x: number[]): number[] {
  return m.coef.map((row, k) => row.reduce((s, w, i) => s + (w * (x[i]! - m.mean[i]!)) / (m.scale[i] || 1), m.intercept[k]!));
}

function sigmoid(z: number): number {
  return 1 / (1 + Math.exp(-z));
}
