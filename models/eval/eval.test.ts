import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';

import { fitTemperature, temperatureScale } from '../calibration.js';
import { expectedCalibrationError } from './metrics.js';

const run = promisify(execFile);
const ROOT = path.resolve(new URL('../..', import.meta.url).pathname);
const DATA = path.resolve(ROOT, '../shared/data');

async function evalCli(script: string, args: string[]) {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', script, ...args], {
    cwd: ROOT,
    env: { ...process.env, MODELS_QUIET: '1' },
    timeout: 240_000,
    maxBuffer: 16 << 20,
  });
  const lines = stdout.trim().split('\n');
  return { table: lines.slice(0, -1).join('\n'), json: JSON.parse(lines.at(-1)!) as Record<string, unknown> };
}

test(
  'eval:face on a small fixed subset of FER-2013 PublicTest',
  { skip: !fs.existsSync(path.join(DATA, 'fer/labels.csv')) && 'no ../shared/data/fer' },
  async () => {
    const a = await evalCli('models/eval/eval-face.ts', ['--limit', '70']);
    assert.equal(a.json.n, 70);
    assert.match(a.table, /accuracy=/);
    assert.ok((a.json.accuracy as number) > 0.4, `accuracy ${a.json.accuracy}`);
    assert.equal(typeof a.json.macro_f1, 'number');
    assert.equal((a.json.confusion as number[][]).length, 7);
    assert.ok(typeof a.json.ece === 'number' && (a.json.ece as number) >= 0 && (a.json.ece as number) <= 1, `ece ${a.json.ece}`);
    // deterministic subset: same figures twice
    const b = await evalCli('models/eval/eval-face.ts', ['--limit', '70']);
    assert.deepEqual(b.json, a.json);
  },
);

test(
  'eval:face --pipeline runs detection and crop too',
  { skip: !fs.existsSync(path.join(DATA, 'fer/labels.csv')) && 'no ../shared/data/fer' },
  async () => {
    const a = await evalCli('models/eval/eval-face.ts', ['--limit', '14', '--pipeline']);
    assert.equal(a.json.n, 14);
    assert.ok((a.json.faces_found as number) >= 12, `faces found ${a.json.faces_found}`);
  },
);

test(
  'eval:voice on a small fixed subset of the dev RAVDESS actors (in-sample for the shipped model: the JSON shape is what is checked)',
  { skip: !fs.existsSync(path.join(DATA, 'speech/labels.csv')) && 'no ../shared/data/speech' },
  async () => {
    const a = await evalCli('models/eval/eval-voice.ts', ['--limit', '8']);
    assert.equal(a.json.n, 8);
    assert.equal(a.json.actors, 'all');
    assert.ok(typeof a.json.ece === 'number' && (a.json.ece as number) >= 0 && (a.json.ece as number) <= 1, `ece ${a.json.ece}`);
    assert.equal(typeof a.json.accuracy, 'number');
    assert.equal(typeof a.json.macro_f1, 'number');
    assert.equal((a.json.confusion as number[][]).length, 8);
    assert.match(a.table, /7 FER classes/);
  },
);

test('eval commands fail clearly on a directory that is not a data set', async () => {
  await assert.rejects(evalCli('models/eval/eval-face.ts', ['/nonexistent-dir']), /eval:face failed/);
  await assert.rejects(evalCli('models/eval/eval-voice.ts', ['/nonexistent-dir']), /eval:voice failed: .*labels\.csv not found/);
});

test('expected calibration error: 10 equal-width bins, |accuracy − confidence| weighted by bin share', () => {
  // perfectly calibrated: 0.8-confident readings right 4 times in 5
  const p8 = [0.8, 0.1, 0.1];
  assert.equal(expectedCalibrationError([p8, p8, p8, p8, p8], [0, 0, 0, 0, 1]), 0);
  // over-confident: 0.9 but right half the time → 0.4; plus a bin of 0.5-confident always right → |1 − 0.5|
  const p9 = [0.9, 0.05, 0.05];
  const p5 = [0.5, 0.3, 0.2];
  assert.equal(expectedCalibrationError([p9, p9, p5, p5], [0, 1, 0, 0]), 0.45);
  // the top bin is closed at 1: a one-hot right reading has no error
  assert.equal(expectedCalibrationError([[1, 0, 0]], [0]), 0);
  assert.equal(expectedCalibrationError([], []), 0);
  assert.throws(() => expectedCalibrationError([p8], [0, 1]), /1 predictions for 2 labels/);
});

test('temperature scaling: fitting a temperature lowers the ECE of an over-confident model and keeps its argmax', () => {
  // synthetic over-confident readings: always 0.95 on its top class, right 60 % of the time
  const probs: number[][] = [];
  const truth: number[] = [];
  for (let i = 0; i < 200; i++) {
    const top = i % 3;
    probs.push([0, 1, 2].map((c) => (c === top ? 0.95 : 0.025)));
    truth.push(i % 5 < 3 ? top : (top + 1) % 3);
  }
  const T = fitTemperature(probs, truth);
  assert.ok(T > 1, `an over-confident model needs T > 1, got ${T}`);
  const scaled = probs.map((p) => temperatureScale(p, T));
  assert.ok(Math.abs(scaled[0]![0]! - 0.6) < 0.02, `calibrated confidence ${scaled[0]![0]} ≈ accuracy 0.6`);
  assert.ok(expectedCalibrationError(scaled, truth) < 0.02 && expectedCalibrationError(probs, truth) > 0.3);
  scaled.forEach((p, i) => assert.equal(p.indexOf(Math.max(...p)), probs[i]!.indexOf(Math.max(...probs[i]!))));
});
