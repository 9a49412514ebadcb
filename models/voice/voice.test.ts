import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, test } from 'node:test';
import type { AudioChunk } from '../../media/types.js';
import { loadModel, ort } from '../runtime/session.js';
import { InvalidAudioError, RAVDESS_LABELS, RAVDESS_TO_FER, SER_FILE, VoiceAnalyzer, WINDOW, type VoiceResult } from './voice-analyzer.js';
import { decodeWav, readWav } from './wav.js';

const FIX = new URL('../fixtures/voice/', import.meta.url);
const ref = JSON.parse(fs.readFileSync(new URL('reference.json', FIX), 'utf8')) as {
  clips: { file: string; emotion: string }[];
  window: { file: string; start: number; length: number; mfcc_shape: [number, number]; mfcc: number[]; probs8: number[] };
};
const quiet = { info: () => {}, warn: () => {} };
let va: VoiceAnalyzer;

before(async () => {
  va = await VoiceAnalyzer.create({ provider: 'cpu', logger: quiet });
});
after(() => va?.close());

const chunks = (samples: Int16Array, id = 'p', from = 0): AudioChunk[] => {
  const out: AudioChunk[] = [];
  for (let i = 0; i * 320 < samples.length; i++) out.push({ participantId: id, sampleRate: 16000, samples: samples.subarray(i * 320, (i + 1) * 320), index: from + i, receivedAt: 0 });
  return out;
};

test('MFCC inside the speech model equals the training features (librosa) on a real clip', async () => {
  const w = ref.window;
  const wav = readWav(new URL(w.file, FIX).pathname);
  const pcm = Float32Array.from(wav.samples.subarray(w.start, w.start + w.length), (v) => v / 32768);
  const m = await loadModel(SER_FILE, { provider: 'cpu', logger: quiet });
  const out = await m.session.run({ pcm: new ort.Tensor('float32', pcm, [1, WINDOW]) });
  const mfcc = out.mfcc!.data as Float32Array;
  assert.deepEqual(out.mfcc!.dims, [1, ...w.mfcc_shape]);
  let maxDiff = 0;
  let maxAbs = 0;
  for (let i = 0; i < mfcc.length; i++) {
    maxDiff = Math.max(maxDiff, Math.abs(mfcc[i]! - w.mfcc[i]!));
    maxAbs = Math.max(maxAbs, Math.abs(w.mfcc[i]!));
  }
  // within 1e-3 absolute (reference rounded to 1e-4; MFCC values reach several hundred); measured 2.4e-4
  assert.ok(maxDiff < 1e-3, `max |diff| ${maxDiff} (values up to ${maxAbs})`);
  const p8 = out.probs8!.data as Float32Array;
  p8.forEach((p, i) => assert.ok(Math.abs(p - w.probs8[i]!) < 1e-4, `class ${i}: ${p} vs ${w.probs8[i]}`));
});

test('each fixture clip gives its expected emotion (8 classes and the FER mapping)', async () => {
  for (const c of ref.clips) {
    const r = await va.analyzeClip(readWav(new URL(c.file, FIX).pathname).samples);
    assert.equal(r.status, 'ok', c.file);
    if (r.status !== 'ok') continue;
    assert.equal(r.label8, c.emotion, `${c.file}: ${r.probabilities8.map((p) => p.toFixed(2))}`);
    assert.equal(r.label, RAVDESS_TO_FER[c.emotion as keyof typeof RAVDESS_TO_FER]);
    assert.ok(Math.abs(r.probabilities.reduce((a, b) => a + b, 0) - 1) < 1e-4);
    assert.ok(Math.abs(r.probabilities8.reduce((a, b) => a + b, 0) - 1) < 1e-4);
  }
});

test('streaming: results every hop, silence is reported as no-speech, gaps are tolerated', async () => {
  const wav = readWav(new URL(ref.clips[0]!.file, FIX).pathname).samples;
  const silence = new Int16Array(16000 * 3);
  const all = new Int16Array(wav.length + silence.length);
  all.set(wav);
  all.set(silence, wav.length);
  const s = va.stream('stream-test');
  const results: VoiceResult[] = [];
  s.onResult((r) => results.push(r));
  const cs = chunks(all, 'stream-test');
  // drop 10 chunks (200 ms) in the middle of the speech: the next chunk says so
  cs.splice(100, 10);
  cs[100] = { ...cs[100]!, gapChunks: 10 };
  for (const c of cs) s.push(c);
  await s.idle();
  const ends = results.map((r) => r.windowEnd);
  assert.deepEqual(ends, [...ends].sort((a, b) => a - b));
  assert.ok(results.length >= 5, `${results.length} results`);
  assert.ok(results.some((r) => r.status === 'ok'), 'speech gives an emotion');
  assert.equal(results.at(-1)!.status, 'no-speech', 'three seconds of silence at the end give no-speech');
  // async iterator sees the buffered results too (bounded)
  const it = s[Symbol.asyncIterator]();
  const first = await it.next();
  assert.equal(first.done, false);
  va.closeStream('stream-test');
  let left = 0;
  while (!(await it.next()).done) left++;
  assert.ok(left < va.opts.maxBufferedResults, 'buffer is bounded and the iterator ends on close');
});

test('bad audio: empty, too short, silent or NaN never crash', async () => {
  assert.equal((await va.analyzeClip(new Int16Array(0))).status, 'no-speech');
  const short = await va.analyzeClip(new Int16Array(1000));
  assert.equal(short.status, 'no-speech');
  assert.equal(short.status === 'no-speech' && short.reason, 'too-short');
  const silent = await va.analyzeClip(new Int16Array(16000 * 2));
  assert.equal(silent.status === 'no-speech' && silent.reason, 'silence');
  const nan = new Float32Array(16000).fill(0.1);
  nan[5] = NaN;
  await assert.rejects(va.analyzeClip(nan), InvalidAudioError);
  await assert.rejects(va.analyzeClip(Float32Array.from([Infinity, ...new Float32Array(8000)])), /NaN or infinite/);
  // a stream given garbage reports it and keeps going
  const errors: unknown[] = [];
  const s = va.stream('bad');
  s.onError((e) => errors.push(e));
  s.push({ participantId: 'bad', sampleRate: 16000, samples: new Float32Array(320) as unknown as Int16Array, index: 0, receivedAt: 0 });
  s.push({ participantId: 'bad', sampleRate: 44100 as 16000, samples: new Int16Array(320), index: 1, receivedAt: 0 });
  s.push({ participantId: 'bad', sampleRate: 16000, samples: new Int16Array(0), index: 2, receivedAt: 0 });
  s.push(undefined as unknown as AudioChunk);
  for (const c of chunks(new Int16Array(16000 * 2), 'bad', 3)) s.push(c);
  await s.idle();
  assert.equal(errors.length, 3);
  assert.ok(errors.every((e) => e instanceof InvalidAudioError));
  va.closeStream('bad');
  assert.throws(() => decodeWav(Buffer.from('not a wav file at all')), /not a RIFF\/WAVE file/);
});

test('RAVDESS to FER mapping covers every class', () => {
  assert.equal(RAVDESS_LABELS.length, 8);
  assert.deepEqual(new Set(Object.values(RAVDESS_TO_FER)).size, 7);
});
