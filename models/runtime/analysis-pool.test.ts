/**
 * The analysis pool with its real worker threads and models: results equal the in-process analyzers',
 * frames are shared rather than copied, overload skips frames evenly (no participant starves, nothing
 * queues), and a worker that dies is restarted with its participants.
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';

import { AUDIO_CHUNK_SAMPLES, AUDIO_SAMPLE_RATE, type AudioChunk, type VideoFrame } from '../../media/types.js';
import { faceOnCanvas, readGray } from '../face/decode.js';
import { FaceAnalyzer } from '../face/face-analyzer.js';
import type { GrayImage } from '../face/image.js';
import { VoiceAnalyzer, type VoiceResult } from '../voice/voice-analyzer.js';
import { readWav } from '../voice/wav.js';
import { AnalysisPool, type FaceOutcome } from './analysis-pool.js';

const FACES = new URL('../fixtures/face/', import.meta.url);
const VOICES = new URL('../fixtures/voice/', import.meta.url);
const quiet = { info: () => {}, warn: () => {} };
let happy: GrayImage;
let sad: GrayImage;

before(() => {
  happy = readGray(new URL('happy_PublicTest_33726932.jpg', FACES).pathname);
  sad = readGray(new URL('sad_PublicTest_19305056.jpg', FACES).pathname);
});

/** A camera frame on shared memory, as media/ingest's VideoTap makes them. */
function sharedFrame(image: GrayImage, participantId: string, seq: number): VideoFrame {
  const frame = faceOnCanvas(image, { participantId });
  const data = new Uint8Array(new SharedArrayBuffer(frame.data.length));
  data.set(frame.data);
  return { ...frame, data, seq, decodedAt: performance.now() };
}

function chunksOf(samples: Int16Array, participantId: string): AudioChunk[] {
  const out: AudioChunk[] = [];
  for (let i = 0, index = 0; i + AUDIO_CHUNK_SAMPLES <= samples.length; i += AUDIO_CHUNK_SAMPLES, index++) {
    const s = new Int16Array(new SharedArrayBuffer(AUDIO_CHUNK_SAMPLES * Int16Array.BYTES_PER_ELEMENT));
    s.set(samples.subarray(i, i + AUDIO_CHUNK_SAMPLES));
    out.push({ participantId, sampleRate: AUDIO_SAMPLE_RATE, samples: s, index, receivedAt: performance.now() });
  }
  return out;
}

function nextFace(pool: AnalysisPool, participantId: string, timeoutMs = 20_000): Promise<FaceOutcome> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no face result for ${participantId} in ${timeoutMs} ms`)), timeoutMs);
    const on = (r: FaceOutcome) => {
      if (r.participantId !== participantId) return;
      clearTimeout(timer);
      pool.off('face', on);
      resolve(r);
    };
    pool.on('face', on);
  });
}

test("a worker gives the in-process analyzers' results, for faces and voices, from shared memory without copies", async () => {
  const pool = await AnalysisPool.create({ provider: 'cpu', workers: 1, tracking: false, logger: quiet });
  const local = await FaceAnalyzer.create({ provider: 'cpu', logger: quiet });
  const localVoice = await VoiceAnalyzer.create({ provider: 'cpu', logger: quiet });
  try {
    for (const [image, label] of [
      [happy, 'happy'],
      [sad, 'sad'],
    ] as const) {
      const frame = sharedFrame(image, label, 1);
      const got = nextFace(pool, label);
      pool.submitFrame(frame);
      const remote = await got;
      const mine = await local.analyze(frame);
      assert.equal(remote.result?.status, 'ok');
      assert.equal(remote.seq, 1);
      assert.equal(mine.status, 'ok');
      if (remote.result?.status !== 'ok' || mine.status !== 'ok') return;
      assert.equal(remote.result.label, mine.label);
      remote.result.probabilities.forEach((p, i) => assert.ok(Math.abs(p - mine.probabilities[i]!) < 1e-5));
    }

    const clip = readWav(new URL('angry_03-01-05-02-01-01-13.wav', VOICES).pathname).samples;
    const remoteVoice: VoiceResult[] = [];
    pool.on('voice', (r) => r.participantId === 'speaker' && remoteVoice.push(r.result));
    for (const chunk of chunksOf(clip, 'speaker')) pool.pushAudio(chunk);
    const localResults: VoiceResult[] = [];
    const stream = localVoice.stream('speaker');
    stream.onResult((r) => localResults.push(r));
    for (const chunk of chunksOf(clip, 'speaker')) stream.push(chunk);
    await stream.idle();
    const deadline = Date.now() + 20_000;
    while (remoteVoice.length < localResults.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.ok(
      localResults.some((r) => r.status === 'ok'),
      'the clip has speech windows',
    );
    assert.deepEqual(
      remoteVoice.map((r) => [r.status, r.windowEnd]),
      localResults.map((r) => [r.status, r.windowEnd]),
    );
    remoteVoice.forEach((r, i) => {
      const l = localResults[i]!;
      if (r.status === 'ok' && l.status === 'ok') r.probabilities.forEach((p, j) => assert.ok(Math.abs(p - l.probabilities[j]!) < 1e-5));
    });
    assert.equal(pool.stats.copied, 0, 'shared frames and PCM are not copied');
    assert.equal(pool.stats.framesQuick, 0, 'a pool that keeps up analyses every frame the full way');
    pool.submitFrame(faceOnCanvas(happy, { participantId: 'unshared' }));
    assert.equal(pool.stats.copied, 1, 'a frame on ordinary memory is copied once into shared memory');
  } finally {
    local.close();
    localVoice.close();
    await pool.close();
  }
});

test('under overload every participant gets analysed frames, evenly, and nothing queues', async () => {
  // One worker made slow on purpose (25 ms of extra work per frame: at most ~35 frames/s) and 16
  // participants offering 10 or 30 frames/s each (320/s): most frames must be skipped.
  const pool = await AnalysisPool.create({ provider: 'cpu', workers: 1, tracking: false, logger: quiet, testFrameDelayMs: 25 });
  const analysed = new Map<string, number>();
  const latencies: number[] = [];
  let measuring = true;
  pool.on('face', (r) => {
    if (!measuring) return;
    analysed.set(r.participantId, (analysed.get(r.participantId) ?? 0) + 1);
    latencies.push(performance.now() - r.decodedAt);
  });
  const participants = Array.from({ length: 16 }, (_, i) => ({ id: `p${i}`, fps: i % 2 ? 10 : 30, seq: 0, image: i % 2 ? happy : sad }));
  let maxWaiting = 0;
  const timers = participants.map((p) =>
    setInterval(() => {
      pool.submitFrame(sharedFrame(p.image, p.id, p.seq++));
      maxWaiting = Math.max(maxWaiting, pool.waitingFrames);
    }, 1000 / p.fps),
  );
  try {
    await new Promise((r) => setTimeout(r, 4000));
  } finally {
    measuring = false;
    timers.forEach(clearInterval);
    await pool.close();
  }
  const counts = participants.map((p) => analysed.get(p.id) ?? 0);
  const total = counts.reduce((a, b) => a + b, 0);
  const offered = participants.reduce((n, p) => n + p.seq, 0);
  assert.ok(total < offered * 0.6, `overloaded: ${total} analysed of ${offered} offered`);
  assert.ok(Math.min(...counts) >= 1, `no participant starved: ${counts}`);
  // The 30 fps senders get no more than the 10 fps ones: the worker's time is shared per participant, not
  // per frame (a queue would give them 3 times as many). Round-robin keeps counts within about a round.
  assert.ok(Math.max(...counts) - Math.min(...counts) <= Math.max(2, 0.4 * Math.max(...counts)), `evenly shared: ${counts}`);
  assert.ok(maxWaiting <= participants.length, `at most one waiting frame per participant (saw ${maxWaiting})`);
  latencies.sort((a, b) => a - b);
  const p95 = latencies[Math.floor(latencies.length * 0.95)]!;
  // a frame waits at most about one round of the mailbox (16 × ~30 ms), never behind a growing queue
  assert.ok(p95 < 3000, `latency bounded: p95 ${p95.toFixed(0)} ms`);
  assert.ok(pool.stats.framesSkipped > 0);
  // behind, the worker analyses the cheaper way (no test-time mirror) until it keeps up again
  assert.ok(pool.stats.framesQuick > total * 0.8, `quick frames under overload: ${pool.stats.framesQuick} of ${total}`);
});

test('a worker that dies is restarted and its participants are analysed again', async () => {
  const pool = await AnalysisPool.create({ provider: 'cpu', workers: 2, logger: quiet, restartDelayMs: 50 });
  try {
    for (const id of ['a', 'b', 'c', 'd']) {
      const got = nextFace(pool, id);
      pool.submitFrame(sharedFrame(happy, id, 0));
      assert.equal((await got).result?.status, 'ok');
    }
    const onZero = ['a', 'b', 'c', 'd'].filter((id) => pool.slotOf(id) === 0);
    assert.equal(onZero.length, 2, 'participants are spread over the workers');
    const lost = new Promise((resolve) => pool.once('workerLost', resolve));
    const ready = new Promise((resolve) => pool.once('workerReady', resolve));
    pool.crashWorker(0);
    await lost;
    // frames sent while the worker is down wait (the newest only), and run once it is back
    const got = onZero.map((id) => nextFace(pool, id, 30_000));
    for (const id of onZero) pool.submitFrame(sharedFrame(sad, id, 1));
    await ready;
    for (const r of await Promise.all(got)) {
      assert.equal(r.result?.status, 'ok');
      assert.equal(r.seq, 1);
    }
    assert.equal(pool.stats.workerRestarts, 1);
    assert.equal(pool.slotOf(onZero[0]!), 0, 'participants stay with their (restarted) worker');
  } finally {
    await pool.close();
  }
});

test('a steady face is analysed at the lowered rate; a new expression gets the full rate back', async () => {
  const pool = await AnalysisPool.create({ provider: 'cpu', workers: 1, logger: quiet, steadyFps: 2, steadyAfter: 4 });
  const times: number[] = [];
  const labels: string[] = [];
  pool.on('face', (r) => {
    times.push(performance.now());
    labels.push(r.result?.status === 'ok' ? r.result.label : (r.result?.status ?? 'error'));
  });
  let seq = 0;
  let image = happy;
  const timer = setInterval(() => pool.submitFrame(sharedFrame(image, 'p', seq++)), 100); // 10 fps offered
  try {
    await new Promise((r) => setTimeout(r, 3000));
    const steadyFrom = times[4]!;
    const steadyCount = times.filter((t) => t > steadyFrom + 500).length;
    const steadySeconds = (performance.now() - steadyFrom - 500) / 1000;
    assert.ok(
      labels.slice(0, 4).every((l) => l === 'happy'),
      `the happy fixture reads happy: ${labels}`,
    );
    assert.ok(steadyCount <= 2 * steadySeconds + 2, `about 2 fps while steady: ${steadyCount} in ${steadySeconds.toFixed(1)} s`);
    image = sad;
    const changedAt = performance.now();
    await new Promise((r) => setTimeout(r, 1500));
    const afterChange = labels.slice(times.findIndex((t) => t > changedAt));
    assert.ok(afterChange.includes('sad'), `the change is seen: ${afterChange}`);
    assert.ok(afterChange.length >= 4, `the full rate is back after the change: ${afterChange.length} results in 1.5 s`);
  } finally {
    clearInterval(timer);
    await pool.close();
  }
});

test('the CUDA switch: one worker batching across participants; here, without a GPU, its sessions fall back to the CPU', async () => {
  const warnings: string[] = [];
  const pool = await AnalysisPool.create({ provider: 'cuda', logger: { info: () => {}, warn: (m) => warnings.push(m) } });
  try {
    assert.equal(pool.size, 1);
    assert.equal(pool.layout, 'cuda');
    assert.equal(pool.maxInFlight, 32);
    const got = nextFace(pool, 'gpu-less');
    pool.submitFrame(sharedFrame(happy, 'gpu-less', 0));
    assert.equal((await got).result?.status, 'ok');
    if (pool.provider === 'cpu')
      assert.ok(
        warnings.some((w) => /falling back to cpu/.test(w)),
        'the fallback is logged',
      );
  } finally {
    await pool.close();
  }
});
