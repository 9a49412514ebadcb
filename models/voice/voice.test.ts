import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, test } from 'node:test';

import { AUDIO_CHUNK_SAMPLES, AUDIO_SAMPLE_RATE, type AudioChunk } from '../../media/types.js';
import { loadModel, ort } from '../runtime/session.js';
import { RAVDESS_LABELS, RAVDESS_TO_FER } from './labels.js';
import { SpeakerProfile, speakerReliability } from './speaker-profile.js';
import { InvalidAudioError, SER_FILE, VoiceAnalyzer, type VoiceResult } from './voice-analyzer.js';
import { WINDOW } from './voice-stream.js';
import { decodeWav, readWav } from './wav.js';

const FIX = new URL('../fixtures/voice/', import.meta.url);
const ref = JSON.parse(fs.readFileSync(new URL('reference.json', FIX), 'utf8')) as {
  clips: { file: string; emotion: string }[];
  window: { file: string; start: number; length: number; mfcc_shape: [number, number]; mfcc: number[]; probs8: number[] };
};
const speakerRef = JSON.parse(fs.readFileSync(new URL('speaker_reference.json', FIX), 'utf8')) as {
  profile_clips: string[];
  window: { file: string; start: number; length: number };
  features: number[];
  profile: { mean: number[]; variance: number[]; windows: number };
  probs8_cold: number[];
  probs8_profile: number[];
};
/** The earlier speech model: same in-graph MFCC front end, and the only one that outputs the MFCCs themselves. */
const CNN_LSTM_FILE = 'voice/ser_mfcc_cnn_lstm.onnx';
const quiet = { info: () => {}, warn: () => {} };
let va: VoiceAnalyzer;

before(async () => {
  va = await VoiceAnalyzer.create({ provider: 'cpu', logger: quiet });
});
after(() => va?.close());

const chunks = (samples: Int16Array, id = 'p', from = 0): AudioChunk[] => {
  const out: AudioChunk[] = [];
  const n = AUDIO_CHUNK_SAMPLES;
  for (let i = 0; i * n < samples.length; i++)
    out.push({
      participantId: id,
      sampleRate: AUDIO_SAMPLE_RATE,
      samples: samples.subarray(i * n, (i + 1) * n),
      index: from + i,
      receivedAt: 0,
    });
  return out;
};

test('MFCC inside the speech model equals the training features (librosa) on a real clip', async () => {
  const w = ref.window;
  const wav = readWav(new URL(w.file, FIX).pathname);
  const pcm = Float32Array.from(wav.samples.subarray(w.start, w.start + w.length), (v) => v / 32768);
  const m = await loadModel(CNN_LSTM_FILE, { provider: 'cpu', logger: quiet });
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

test('speaker-adaptive model: window features and probabilities equal the training pipeline (torch), cold and with a profile', async () => {
  assert.equal(SER_FILE, 'voice/ser_speaker_lr.onnx');
  const w = speakerRef.window;
  const wav = readWav(new URL(w.file, FIX).pathname);
  const pcm = Float32Array.from(wav.samples.subarray(w.start, w.start + w.length), (v) => v / 32768);
  const m = await loadModel(SER_FILE, { provider: 'cpu', logger: quiet });
  const d = speakerRef.features.length;
  const run = (mean: number[], variance: number[], n: number) =>
    m.session.run({
      pcm: new ort.Tensor('float32', pcm, [1, WINDOW]),
      speaker_mean: new ort.Tensor('float32', Float32Array.from(mean), [1, d]),
      speaker_var: new ort.Tensor('float32', Float32Array.from(variance), [1, d]),
      speaker_n: new ort.Tensor('float32', Float32Array.from([n]), [1, 1]),
    });
  const cold = await run(new Array(d).fill(0), new Array(d).fill(0), 0);
  const f = cold.features!.data as Float32Array;
  let worst = 0;
  // relative to each feature's size (MFCC means reach several hundred), as the MFCC parity allows 1e-3 on ~600
  for (let i = 0; i < d; i++)
    worst = Math.max(worst, Math.abs(f[i]! - speakerRef.features[i]!) / Math.max(1, Math.abs(speakerRef.features[i]!)));
  assert.ok(worst < 1e-3, `worst relative feature difference ${worst}`);
  const close = (got: Float32Array, want: number[], what: string) =>
    want.forEach((p, i) => assert.ok(Math.abs(got[i]! - p) < 2e-3, `${what} class ${i}: ${got[i]} vs ${p}`));
  close(cold.probs8!.data as Float32Array, speakerRef.probs8_cold, 'cold');
  const warm = await run(speakerRef.profile.mean, speakerRef.profile.variance, speakerRef.profile.windows);
  close(warm.probs8!.data as Float32Array, speakerRef.probs8_profile, 'profile');
  // the profile really changes the answer (otherwise the inputs would be ignored)
  const diff = Math.max(...speakerRef.probs8_cold.map((p, i) => Math.abs(p - speakerRef.probs8_profile[i]!)));
  assert.ok(diff > 0.1, `cold and profiled probabilities differ by ${diff}`);
});

test('a speaker profile learns from a voice, and the stream keeps one per participant', async () => {
  assert.equal(va.speakerDim, speakerRef.features.length);
  const profile = va.newSpeakerProfile()!;
  for (const f of speakerRef.profile_clips) {
    const r = await va.analyzeClip(readWav(new URL(`speaker14/${f}`, FIX).pathname).samples, { speaker: profile });
    assert.equal(r.status, 'ok', f);
  }
  assert.ok(profile.windows >= 20, `${profile.windows} speech windows learnt from ${speakerRef.profile_clips.length} clips`);
  const sadClip = ref.clips.find((c) => c.emotion === 'sad')!;
  const before = profile.windows;
  const r = await va.analyzeClip(readWav(new URL(sadClip.file, FIX).pathname).samples, { speaker: profile.clone() });
  assert.equal(profile.windows, before, 'scoring against a clone leaves the profile alone');
  assert.equal(r.status === 'ok' && r.label8, 'sad', 'the same speaker, another statement, after learning their voice');
  assert.equal(r.status === 'ok' && r.speakerWindows, before);
  // live streams: each window is scored against the windows before it, then learnt from
  const s = va.stream('speaker-test');
  const seen: number[] = [];
  const reliabilities: number[] = [];
  s.onResult((res) => res.status === 'ok' && seen.push(res.speakerWindows!) && reliabilities.push(res.reliability));
  const wav = readWav(new URL(sadClip.file, FIX).pathname).samples;
  for (const c of chunks(wav, 'speaker-test')) s.push(c);
  for (const c of chunks(wav, 'speaker-test', Math.ceil(wav.length / AUDIO_CHUNK_SAMPLES))) s.push(c);
  await s.idle();
  va.closeStream('speaker-test');
  assert.ok(seen.length >= 3, `${seen.length} speech results`);
  assert.equal(seen[0], 0, 'the first speech window is a cold start');
  assert.ok(
    reliabilities[0]! < 0.7 && reliabilities.at(-1)! > reliabilities[0]!,
    `reliability grows with the profile: ${reliabilities.map((x) => x.toFixed(2))}`,
  );
  seen.slice(1).forEach((n, i) => assert.ok(n > seen[i]!, `profile grows: ${seen.join(',')}`));
  // a closed stream forgets the voice: the same id starts cold again
  const again = va.stream('speaker-test');
  const first: number[] = [];
  again.onResult((res) => res.status === 'ok' && first.push(res.speakerWindows!));
  for (const c of chunks(wav, 'speaker-test')) again.push(c);
  await again.idle();
  va.closeStream('speaker-test');
  assert.equal(first[0], 0);
});

test('SpeakerProfile: Welford statistics, bounded memory of old speech, bad vectors ignored', async () => {
  const p = new SpeakerProfile(2, 4);
  const xs = [
    [1, 10],
    [3, 10],
    [5, 13],
    [7, 7],
  ];
  for (const x of xs) assert.ok(p.add(x));
  const snap = p.snapshot();
  assert.deepEqual(Array.from(snap.mean), [4, 10]);
  assert.ok(Math.abs(snap.variance[0]! - 5) < 1e-9 && Math.abs(snap.variance[1]! - 4.5) < 1e-6, `${snap.variance}`);
  assert.equal(snap.windows, 4);
  // past maxWindows the count stays and new speech weighs 1/maxWindows
  assert.ok(p.add([4, 10]));
  assert.equal(p.windows, 4);
  assert.equal(p.add([NaN, 1]), false, 'a non-finite vector is refused');
  assert.equal(p.snapshot().mean[0], 4);
  assert.throws(() => p.add([1]), /expected 2 features/);
  assert.throws(() => new SpeakerProfile(0), /positive integer/);
  assert.ok(Math.abs(speakerReliability(0) - 0.67) < 1e-9 && Math.abs(speakerReliability(8) - 0.835) < 1e-9);
  assert.ok(speakerReliability(600) > 0.99 && speakerReliability(600) <= 1);
  await assert.rejects(va.analyzeClip(new Int16Array(16000), { speaker: p }), /speaker profile has 2 features/);
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
  assert.deepEqual(
    ends,
    [...ends].sort((a, b) => a - b),
  );
  assert.ok(results.length >= 5, `${results.length} results`);
  assert.ok(
    results.some((r) => r.status === 'ok'),
    'speech gives an emotion',
  );
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
