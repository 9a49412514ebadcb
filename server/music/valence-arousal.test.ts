/**
 * The shipped music mood model and its TypeScript runtime stay in sync with the Python fit:
 * models/music/train.py writes, next to music-va.json, the Python model's quadrant
 * probabilities on a few feature vectors exported by server/music/cli/export-features.ts; the
 * runtime must reproduce them. Also: the importer's feature code supplies every feature the model
 * reads, and malformed model files are refused with a clear message.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { computeFeatures } from './features.js';
import { DEFAULT_MODEL_PATH, MusicMoodModel } from './valence-arousal.js';

const REFERENCE = fileURLToPath(new URL('../../models/music/reference-outputs.json', import.meta.url));

interface Reference {
  model_version: string;
  /** a clip's exported mood-window vectors and the Python model's mean probabilities over them */
  cases: { file: string; windows: Record<string, number>[]; probabilities: number[] }[];
}

test('the TypeScript runtime reproduces the Python model on exported mood-window vectors', () => {
  const model = MusicMoodModel.load();
  const reference = JSON.parse(fs.readFileSync(REFERENCE, 'utf8')) as Reference;
  assert.equal(reference.model_version, model.version, 'reference-outputs.json and music-va.json come from the same training run');
  assert.ok(reference.cases.length >= 8);
  const quadrantsSeen = new Set<string>();
  for (const c of reference.cases) {
    assert.ok(c.windows.length >= 3, `${c.file}: ${c.windows.length} windows`);
    const mood = model.estimateWindows(c.windows);
    const p = mood.probabilities;
    p.forEach((v, k) =>
      assert.ok(Math.abs(v - c.probabilities[k]!) < 1e-9, `${c.file}: P(Q${k + 1}) ${v} vs Python ${c.probabilities[k]}`),
    );
    assert.ok(Math.abs(p.reduce((a, b) => a + b, 0) - 1) < 1e-9);
    assert.ok(mood.valence >= -1 && mood.valence <= 1 && mood.arousal >= -1 && mood.arousal <= 1);
    quadrantsSeen.add(mood.quadrant);
  }
  // A model that answers one quadrant for everything would pass the parity check; it must not ship.
  assert.ok(quadrantsSeen.size >= 3, `predicted quadrants on the reference clips: ${[...quadrantsSeen].join(', ')}`);
});

test('the feature code supplies every feature the model reads', () => {
  const rate = 22050;
  const signal = Float32Array.from(
    { length: 6 * rate },
    (_, i) => 0.3 * Math.sin((2 * Math.PI * 220 * i) / rate) * (1 + Math.sin((2 * Math.PI * 2 * i) / rate)),
  );
  const { vector } = computeFeatures(signal, rate, -18);
  const model = MusicMoodModel.load();
  for (const name of model.features) assert.ok(Number.isFinite(vector[name]), `feature ${name} missing from computeFeatures()`);
  const mood = model.estimate(vector);
  assert.ok(['happy', 'tense', 'sad', 'calm'].includes(mood.emotion));
});

test('a missing feature or a malformed model file is a clear error', () => {
  const model = MusicMoodModel.load();
  assert.throws(() => model.estimate({}), /feature ".+" missing or not finite/);
  assert.throws(() => model.estimateWindows([]), /no mood windows/);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'music-va-'));
  try {
    const broken = JSON.parse(fs.readFileSync(DEFAULT_MODEL_PATH, 'utf8')) as Record<string, unknown>;
    const write = (name: string, body: unknown) => {
      const file = path.join(dir, name);
      fs.writeFileSync(file, typeof body === 'string' ? body : JSON.stringify(body));
      return file;
    };
    assert.throws(() => MusicMoodModel.load(write('bad.json', '{nope')), /cannot read the music mood model/);
    assert.throws(
      () => MusicMoodModel.load(write('variant.json', { ...broken, variant: 'svm' })),
      /not a music mood model \(unknown variant svm\)/,
    );
    assert.throws(() => MusicMoodModel.load(write('empty.json', { version: 'x', variant: 'axes', models: [] })), /not a music mood model/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
