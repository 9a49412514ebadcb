/**
 * Runtime of the music valence/arousal estimator: plain JSON weights (linear models or a small
 * forest of decision trees) trained offline by models/music/train.py on features from this
 * project's own TypeScript feature code (see models/music/MODEL_CARD.md). Valence and arousal
 * come out in [-1, 1]; no dependencies.
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

/** Standardised linear scores over the model's own (selected) features. */
interface LinearModel {
  /** Feature names this model reads; older files keep one list at the top level instead. */
  features?: string[];
  mean: number[];
  scale: number[];
  coef: number[][];
  intercept: number[];
}

/** One scikit-learn decision tree: arrays indexed by node; left/right −1 at a leaf. */
interface TreeModel {
  feature: number[];
  threshold: number[];
  left: number[];
  right: number[];
  /** Class distribution (Q1..Q4) of each node. */
  value: number[][];
}

/**
 * axes: P(valence>0)·P(arousal>0) from two binary linear models; quadrant: softmax of one
 * linear model; forest: averaged tree leaves; ensemble: the mean of its members' P(Q1..Q4).
 */
interface ModelPart {
  variant: 'quadrant' | 'axes' | 'forest' | 'ensemble';
  features?: string[];
  models?: LinearModel[];
  trees?: TreeModel[];
  members?: ModelPart[];
}

interface ModelFile extends ModelPart {
  version: string;
}

type Probabilities = [number, number, number, number];

export class MusicMoodModel {
  private constructor(private readonly model: ModelFile) {}

  static load(file = DEFAULT_MODEL_PATH): MusicMoodModel {
    let parsed: ModelFile;
    try {
      parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as ModelFile;
    } catch (err) {
      throw new Error(`cannot read the music mood model ${file}: ${(err as Error).message}`);
    }
    const problem = validate(parsed);
    if (problem) throw new Error(`${file} is not a music mood model (${problem})`);
    return new MusicMoodModel(parsed);
  }

  get version(): string {
    return this.model.version;
  }

  /** Every feature name the model reads (the importer must supply each one). */
  get features(): string[] {
    const names = new Set<string>();
    const collect = (part: ModelPart) => {
      for (const n of part.features ?? []) names.add(n);
      for (const m of part.models ?? []) for (const n of m.features ?? []) names.add(n);
      for (const member of part.members ?? []) collect(member);
    };
    collect(this.model);
    return [...names];
  }

  /** The mood of one feature vector (a single window). */
  estimate(vector: Record<string, number>): MusicMood {
    return this.estimateWindows([vector]);
  }

  /** The mood of a track from its mood windows' vectors: the mean of their quadrant probabilities, as trained. */
  estimateWindows(windows: Record<string, number>[]): MusicMood {
    if (windows.length === 0) throw new Error('no mood windows to estimate from');
    const p: Probabilities = [0, 0, 0, 0];
    for (const w of windows) this.probabilities(w).forEach((v, k) => (p[k] = p[k]! + v / windows.length));
    const valence = p[0] + p[3] - p[1] - p[2];
    const arousal = p[0] + p[1] - p[2] - p[3];
    const quadrant = (['Q1', 'Q2', 'Q3', 'Q4'] as const)[p.indexOf(Math.max(...p))]!;
    return { valence, arousal, quadrant, emotion: QUADRANT_EMOTION[quadrant], probabilities: p };
  }

  /** P(Q1..Q4) for one feature vector. */
  probabilities(vector: Record<string, number>): Probabilities {
    return partProbabilities(this.model, vector);
  }
}

function partProbabilities(m: ModelPart, vector: Record<string, number>): Probabilities {
  const read = (names: string[]) =>
    names.map((name) => {
      const v = vector[name];
      if (v === undefined || !Number.isFinite(v)) throw new Error(`feature "${name}" missing or not finite`);
      return v;
    });
  if (m.variant === 'ensemble') {
    const p: Probabilities = [0, 0, 0, 0];
    for (const member of m.members!) partProbabilities(member, vector).forEach((v, k) => (p[k] = p[k]! + v / m.members!.length));
    return p;
  }
  if (m.variant === 'forest') {
    const x = read(m.features!);
    const p: Probabilities = [0, 0, 0, 0];
    for (const tree of m.trees!) {
      const leaf = tree.value[walk(tree, x)]!;
      for (let k = 0; k < 4; k++) p[k] = p[k]! + leaf[k]! / m.trees!.length;
    }
    return p;
  }
  const scores = (lm: LinearModel) => linear(lm, read(lm.features ?? m.features!));
  if (m.variant === 'quadrant') {
    const logits = scores(m.models![0]!);
    const max = Math.max(...logits);
    const e = logits.map((l) => Math.exp(l - max));
    const s = e.reduce((a, b) => a + b, 0);
    return e.map((v) => v / s) as Probabilities;
  }
  const pv = sigmoid(scores(m.models![0]!)[0]!);
  const pa = sigmoid(scores(m.models![1]!)[0]!);
  return [pv * pa, (1 - pv) * pa, (1 - pv) * (1 - pa), pv * (1 - pa)];
}

function validate(m: ModelFile): string | undefined {
  if (!m || typeof m.version !== 'string') return 'version missing';
  return validatePart(m);
}

function validatePart(m: ModelPart): string | undefined {
  if (m.variant === 'ensemble') {
    if (!Array.isArray(m.members) || m.members.length === 0) return 'ensemble without members';
    for (const member of m.members) {
      const problem = validatePart(member);
      if (problem) return problem;
    }
    return undefined;
  }
  if (m.variant === 'forest') {
    if (!Array.isArray(m.features) || !Array.isArray(m.trees) || m.trees.length === 0) return 'forest without features or trees';
    return undefined;
  }
  if (m.variant !== 'quadrant' && m.variant !== 'axes') return `unknown variant ${String(m.variant)}`;
  const need = m.variant === 'axes' ? 2 : 1;
  if (!Array.isArray(m.models) || m.models.length < need) return `needs ${need} linear model(s)`;
  for (const lm of m.models) {
    const names = lm.features ?? m.features;
    if (!Array.isArray(names) || lm.mean?.length !== names.length || lm.scale?.length !== names.length)
      return 'features/mean/scale lengths differ';
    if (!Array.isArray(lm.coef) || lm.coef.some((row) => row.length !== names.length)) return 'coefficients do not match the features';
  }
  return undefined;
}

/**
 * Leaf index for x. scikit-learn compares features as float32 (its trees store X that way), so
 * the value is rounded to float32 first, or a vector right on a threshold could branch differently.
 */
function walk(tree: TreeModel, x: number[]): number {
  let node = 0;
  while (tree.left[node]! !== -1)
    node = Math.fround(x[tree.feature[node]!]!) <= tree.threshold[node]! ? tree.left[node]! : tree.right[node]!;
  return node;
}

function linear(m: LinearModel, x: number[]): number[] {
  return m.coef.map((row, k) => row.reduce((s, w, i) => s + (w * (x[i]! - m.mean[i]!)) / (m.scale[i] || 1), m.intercept[k]!));
}

function sigmoid(z: number): number {
  return 1 / (1 + Math.exp(-z));
}
