/**
 * The timbre, harmony, rhythm and harmonic/percussive descriptors behind the valence/arousal
 * model, on signals synthesised here whose answer is known: a beating semitone is rougher than an
 * octave, a tone has more contrast than noise, clicks are percussive and sustained chords
 * harmonic, the onset rate counts the clicks, and harmony summaries ignore transposition.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';

import Meyda from 'meyda';

import { computeFeatures, FRAME } from './features.js';
import { percussiveShares } from './hpss.js';
import { onsetRate, tempoStability } from './rhythm.js';
import { deltaStd, percentile, segmentMeans } from './stats.js';
import { bandEnergyShares, bandFlatness, bandFlux, roughness, spectralContrast, spectralEntropy } from './timbre.js';
import { chromaEntropy, segmentKeys, summariseChords, summariseTonal, tonalCentroid } from './tonal.js';

const RATE = 22050;

function tones(freqs: number[], seconds: number, amp = 0.2): Float32Array {
  const out = new Float32Array(Math.round(seconds * RATE));
  for (let i = 0; i < out.length; i++) for (const f of freqs) out[i]! += amp * Math.sin((2 * Math.PI * f * i) / RATE);
  return out;
}

/** Deterministic white noise (a linear congruential generator), so the test never flakes. */
function noise(seconds: number, amp = 0.2): Float32Array {
  let s = 12345;
  return Float32Array.from({ length: Math.round(seconds * RATE) }, () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return amp * (2 * (s / 2 ** 31) - 1);
  });
}

function clicks(bpm: number, seconds: number): Float32Array {
  const out = new Float32Array(Math.round(seconds * RATE));
  const period = Math.round((60 / bpm) * RATE);
  for (let start = 0; start < out.length; start += period)
    for (let i = 0; i < 200 && start + i < out.length; i++) out[start + i] = 0.8 * Math.exp(-i / 30) * (i % 2 ? 1 : -1);
  return out;
}

/** Amplitude spectrum of one FRAME-long hann-windowed frame, the way features.ts gets it. */
function spectrumOf(signal: Float32Array): Float32Array {
  const m = Meyda as unknown as { bufferSize: number; sampleRate: number; extract: (f: string, s: Float32Array) => Float32Array };
  m.bufferSize = FRAME;
  m.sampleRate = RATE;
  return m.extract('amplitudeSpectrum', signal.subarray(0, FRAME));
}

test('roughness: a semitone pair beats, an octave does not', () => {
  const semitone = roughness(spectrumOf(tones([440, 466.16], 0.2)), RATE, FRAME);
  const octave = roughness(spectrumOf(tones([440, 880], 0.2)), RATE, FRAME);
  assert.ok(semitone > 3 * octave, `semitone ${semitone} vs octave ${octave}`);
  assert.equal(roughness(new Float32Array(FRAME / 2), RATE, FRAME), 0);
});

test('spectral contrast, entropy and band shares separate a tone from noise', () => {
  const tone = spectrumOf(tones([1000], 0.2));
  const hiss = spectrumOf(noise(0.2));
  assert.ok(spectralContrast(tone, RATE, FRAME).contrast[3]! > spectralContrast(hiss, RATE, FRAME).contrast[3]! + 10);
  assert.ok(spectralEntropy(tone) < 0.5 && spectralEntropy(hiss) > 0.8, `${spectralEntropy(tone)} ${spectralEntropy(hiss)}`);
  const bass = bandEnergyShares(spectrumOf(tones([80], 0.2)), RATE, FRAME);
  assert.ok(bass[0]! > 0.95, `80 Hz lands in the bass band: ${bass}`);
  assert.ok(Math.abs(bandEnergyShares(hiss, RATE, FRAME).reduce((a, b) => a + b, 0) - 1) < 1e-9);
  const toneFlat = bandFlatness(tone, RATE, FRAME);
  const hissFlat = bandFlatness(hiss, RATE, FRAME);
  assert.ok(hissFlat[2]! > 0.3 && toneFlat[2]! < 0.05, `2-6 kHz flatness: noise ${hissFlat[2]}, 1 kHz tone ${toneFlat[2]}`);
  assert.deepEqual(bandFlux(tone, tone, RATE, FRAME), [0, 0, 0, 0]);
  const onsetFlux = bandFlux(new Float32Array(tone.length), tone, RATE, FRAME);
  assert.ok(
    onsetFlux[1]! > 0.95 && onsetFlux[0]! < 0.01 && onsetFlux[3]! < 0.01,
    `a 1 kHz onset is flux in the 250-2000 Hz band: ${onsetFlux}`,
  );
});

test('harmonic/percussive split: clicks are percussive, a sustained chord harmonic', () => {
  const frames = (signal: Float32Array) => {
    const out: Float32Array[] = [];
    for (let start = 0; start + FRAME <= signal.length; start += 1024) out.push(Float32Array.from(spectrumOf(signal.subarray(start))));
    return out;
  };
  const perc = percussiveShares(frames(clicks(120, 4)));
  const harm = percussiveShares(frames(tones([261.63, 329.63, 392], 4)));
  assert.ok(perc.overall > 0.6 && harm.overall < 0.2, `clicks ${perc.overall}, chord ${harm.overall}`);
  assert.equal(perc.frames.length, harm.frames.length);
});

test('onset rate counts clicks; a steady click has a steady tempo', () => {
  const rate = RATE / 512;
  // A click envelope: one spike every 0.5 s (120 BPM) over 20 s.
  const env = new Float32Array(Math.round(20 * rate));
  for (let t = 0; t < 20; t += 0.5) env[Math.round(t * rate)] = 10;
  const r = onsetRate(env, rate);
  assert.ok(Math.abs(r - 2) < 0.15, `onsets/s ${r}`);
  const steady = tempoStability(env, rate);
  assert.ok(steady.log2BpmStd < 0.05 && steady.clarityMean > 0.5, JSON.stringify(steady));
});

test('tonal centroid: transposition rotates it, so its summaries do not change', () => {
  const cMajor = [1, 0, 0, 0, 1, 0, 0, 1, 0, 0, 0, 0];
  const dMajor = cMajor.map((_, i) => cMajor[(i - 2 + 12) % 12]!);
  const shift = (c: number[], k: number) => c.map((_, i) => c[(i - k + 12) % 12]!);
  const progression = (k: number) => [...new Array(20).fill(shift(cMajor, k)), ...new Array(20).fill(shift(dMajor, k))] as number[][];
  const a = summariseTonal(progression(0));
  const b = summariseTonal(progression(5));
  for (const key of ['frameStrength', 'globalStrength'] as const) a[key].forEach((v, i) => assert.ok(Math.abs(v - b[key][i]!) < 1e-12));
  assert.ok(Math.abs(a.hcdfMean - b.hcdfMean) < 1e-12);
  // A chord change is a harmonic change; a held chord is none.
  assert.ok(a.hcdfMean > 0.01, `chord change ${a.hcdfMean}`);
  assert.ok(summariseTonal(new Array(40).fill(cMajor)).hcdfMean < 1e-12);
  assert.equal(
    tonalCentroid(new Array(12).fill(0)).every((v) => v === 0),
    true,
  );
  assert.ok(chromaEntropy(cMajor) < chromaEntropy(new Array(12).fill(1)));
  const keys = segmentKeys([cMajor, cMajor], [1, 1], 1, 0);
  assert.equal(keys.majorShare, 1);
  assert.equal(keys.tonicAgreement, 1);
});

test('chord matching: major vs minor triads and the rate of chord changes', () => {
  const cMajor = [1, 0, 0, 0, 1, 0, 0, 1, 0, 0, 0, 0];
  const aMinor = [1, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0];
  const fps = 20;
  // Two seconds per chord, alternating, for 20 s: 9 changes over 20 s.
  const frames = Array.from({ length: 20 * fps }, (_, t) => (Math.floor(t / (2 * fps)) % 2 ? aMinor : cMajor));
  const s = summariseChords(frames, fps);
  assert.ok(Math.abs(s.majorShare - 0.5) < 1e-9 && s.strengthMean > 0.99, JSON.stringify(s));
  assert.ok(Math.abs(s.changesPerSecond - 9 / 20) < 1e-9, JSON.stringify(s));
  assert.equal(summariseChords(new Array(40).fill(aMinor), fps).majorShare, 0);
});

test('stats helpers', () => {
  assert.deepEqual(segmentMeans([1, 1, 3, 3, 5], 2), [1, 3, 5]);
  assert.deepEqual(segmentMeans([1, 1, 3, 3, 5, 7, 9], 3), [5 / 3, 5]);
  assert.equal(percentile([5, 1, 3], 0.5), 3);
  assert.ok(Math.abs(deltaStd([0, 1, 2, 3, 4]) - 0) < 1e-12);
});

test('computeFeatures: every descriptor is finite, on music-like and on silent input', () => {
  const chordThenClicks = new Float32Array(8 * RATE);
  chordThenClicks.set(tones([220, 261.63, 329.63], 4), 0);
  chordThenClicks.set(clicks(100, 4), 4 * RATE);
  for (const signal of [chordThenClicks, new Float32Array(4 * RATE)]) {
    const { vector } = computeFeatures(signal, RATE, -20);
    assert.ok(Object.keys(vector).length > 120);
    for (const [name, v] of Object.entries(vector)) assert.ok(Number.isFinite(v), `${name} = ${v}`);
  }
});
