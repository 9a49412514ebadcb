import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';

import { loadModel, ModelLoadError, providerSetting } from './session.js';

const quiet = { info: () => {}, warn: () => {} };

test('MODELS_EXECUTION_PROVIDER is validated', () => {
  assert.equal(providerSetting({}), 'auto');
  assert.equal(providerSetting({ MODELS_EXECUTION_PROVIDER: 'CPU' }), 'cpu');
  assert.equal(providerSetting({ MODELS_EXECUTION_PROVIDER: 'cuda' }), 'cuda');
  assert.throws(() => providerSetting({ MODELS_EXECUTION_PROVIDER: 'tpu' }), /MODELS_EXECUTION_PROVIDER/);
});

test('a model loads once, and the log line names the provider', async () => {
  const lines: string[] = [];
  const logger = { info: (m: string) => lines.push(m), warn: (m: string) => lines.push(m) };
  const a = await loadModel('face/blazeface_front_128.onnx', { provider: 'cpu', logger, threads: 3 });
  const b = await loadModel('face/blazeface_front_128.onnx', { provider: 'cpu', logger, threads: 3 });
  assert.equal(a, b);
  assert.equal(a.provider, 'cpu');
  assert.equal(lines.length, 1);
  assert.match(lines[0]!, /blazeface_front_128\.onnx: execution provider cpu/);
});

test('cuda requested where it cannot run falls back to cpu with a warning', async (t) => {
  const lines: string[] = [];
  const m = await loadModel('voice/silero_vad_v5.onnx', {
    provider: 'cuda',
    threads: 2,
    logger: { info: (l) => lines.push(l), warn: (l) => lines.push(l) },
  });
  if (m.provider === 'cuda') return t.skip('this machine runs CUDA');
  assert.equal(m.provider, 'cpu');
  assert.ok(
    lines.some((l) => /CUDA provider unavailable/.test(l)),
    lines.join('\n'),
  );
});

test('a missing model file gives a clear ModelLoadError', async () => {
  await assert.rejects(loadModel('face/does-not-exist.onnx', { provider: 'cpu', logger: quiet }), (e: unknown) => {
    assert.ok(e instanceof ModelLoadError);
    assert.match((e as Error).message, /does-not-exist\.onnx: file not found/);
    return true;
  });
});

test('a corrupt or truncated model file gives a clear ModelLoadError', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'moodify-models-'));
  try {
    const corrupt = path.join(dir, 'corrupt.onnx');
    fs.writeFileSync(corrupt, Buffer.from('this is not an onnx model at all, just text '.repeat(20)));
    await assert.rejects(loadModel(corrupt, { provider: 'cpu', logger: quiet }), /corrupt\.onnx: not a valid ONNX model/);
    const truncated = path.join(dir, 'truncated.onnx');
    const real = fs.readFileSync(new URL('../face/blazeface_front_128.onnx', import.meta.url));
    fs.writeFileSync(truncated, real.subarray(0, real.length >> 1));
    await assert.rejects(loadModel(truncated, { provider: 'cpu', logger: quiet }), ModelLoadError);
    const empty = path.join(dir, 'empty.onnx');
    fs.writeFileSync(empty, '');
    await assert.rejects(loadModel(empty, { provider: 'cpu', logger: quiet }), /0 bytes: not an ONNX model/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
