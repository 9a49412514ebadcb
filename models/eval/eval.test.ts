import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';

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

test('eval:face on a small fixed subset of FER-2013 PublicTest', { skip: !fs.existsSync(path.join(DATA, 'fer/labels.csv')) && 'no ../shared/data/fer' }, async () => {
  const a = await evalCli('models/eval/eval-face.ts', ['--limit', '70']);
  assert.equal(a.json.n, 70);
  assert.match(a.table, /accuracy=/);
  assert.ok((a.json.accuracy as number) > 0.4, `accuracy ${a.json.accuracy}`);
  assert.equal(typeof a.json.macro_f1, 'number');
  assert.equal((a.json.confusion as number[][]).length, 7);
  // deterministic subset: same figures twice
  const b = await evalCli('models/eval/eval-face.ts', ['--limit', '70']);
  assert.deepEqual(b.json, a.json);
});

test('eval:face --pipeline runs detection and crop too', { skip: !fs.existsSync(path.join(DATA, 'fer/labels.csv')) && 'no ../shared/data/fer' }, async () => {
  const a = await evalCli('models/eval/eval-face.ts', ['--limit', '14', '--pipeline']);
  assert.equal(a.json.n, 14);
  assert.ok((a.json.faces_found as number) >= 12, `faces found ${a.json.faces_found}`);
});

test('eval:voice on a small fixed subset of the held-out RAVDESS actors', { skip: !fs.existsSync(path.join(DATA, 'speech/labels.csv')) && 'no ../shared/data/speech' }, async () => {
  const a = await evalCli('models/eval/eval-voice.ts', ['--limit', '8']);
  assert.equal(a.json.n, 8);
  assert.equal(a.json.actors, '13-16');
  assert.equal(typeof a.json.accuracy, 'number');
  assert.equal(typeof a.json.macro_f1, 'number');
  assert.equal((a.json.confusion as number[][]).length, 8);
  assert.match(a.table, /7 FER classes/);
});

test('eval commands fail clearly on a directory that is not a data set', async () => {
  await assert.rejects(evalCli('models/eval/eval-face.ts', ['/nonexistent-dir']), /eval:face failed/);
  await assert.rejects(evalCli('models/eval/eval-voice.ts', ['/nonexistent-dir']), /eval:voice failed: .*labels\.csv not found/);
});
