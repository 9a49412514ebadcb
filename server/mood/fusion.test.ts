import assert from 'node:assert/strict';
import { test } from 'node:test';

import fc from 'fast-check';

import { FER_LABELS, type FerLabel } from '../../vocabulary/emotions.js';
import { DEFAULT_FUSION_OPTIONS, MoodFusion } from './fusion.js';
import type { ModalityReading } from './types.js';

const idx = (l: FerLabel) => FER_LABELS.indexOf(l);

/** A reading whose top class is `label` with probability `peak`, the rest spread by `noise`. */
function peaked(label: number, peak: number, noise: number[], confidence = 0.9): ModalityReading {
  const rest = noise.slice(0, 7).map((x) => x + 1e-3);
  rest[label] = 0;
  const restSum = rest.reduce((a, b) => a + b, 0);
  const probabilities = rest.map((x) => ((1 - peak) * x) / restSum);
  probabilities[label] = peak;
  return { probabilities, confidence };
}

const reading = (label: FerLabel, confidence = 0.9) => peaked(idx(label), 0.8, [1, 1, 1, 1, 1, 1, 1], confidence);

const readingArb = fc.record({
  probabilities: fc
    .array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 7, maxLength: 7 })
    .filter((p) => p.some((x) => x > 1e-6)),
  confidence: fc.double({ min: 0, max: 1, noNaN: true }),
});
const maybeReading = fc.option(readingArb, { nil: null });
const peakedArb = fc.record({
  label: fc.integer({ min: 0, max: 6 }),
  peak: fc.double({ min: 0.55, max: 1, noNaN: true }),
  noise: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 7, maxLength: 7 }),
  confidence: fc.double({ min: 0.5, max: 1, noNaN: true }),
});

test('weights always sum to 1, whatever arrives (including missing modalities)', () => {
  fc.assert(
    fc.property(
      fc.array(
        fc.record({
          dt: fc.integer({ min: 0, max: 4000 }),
          face: fc.option(maybeReading, { nil: undefined }),
          voice: fc.option(maybeReading, { nil: undefined }),
        }),
        { maxLength: 40 },
      ),
      (steps) => {
        const fusion = new MoodFusion();
        let t = 0;
        for (const s of steps) {
          t += s.dt;
          const mood = fusion.update({
            t,
            ...(s.face !== undefined ? { face: s.face } : {}),
            ...(s.voice !== undefined ? { voice: s.voice } : {}),
          });
          assert.ok(Math.abs(mood.weights.face + mood.weights.voice - 1) < 1e-9, JSON.stringify(mood.weights));
          assert.ok(mood.weights.face >= 0 && mood.weights.voice >= 0);
          assert.ok(mood.confidence >= 0 && mood.confidence <= 1);
          assert.ok(Math.abs(mood.probabilities.reduce((a, b) => a + b, 0) - 1) < 1e-6);
          assert.ok(mood.valence >= -1 && mood.valence <= 1 && mood.arousal >= -1 && mood.arousal <= 1);
        }
      },
    ),
    { numRuns: 300 },
  );
});

test('face 60 / voice 40 by default without calibration; a missing modality gets weight 0', () => {
  const fusion = new MoodFusion({ calibration: null });
  let mood = fusion.update({ t: 0, face: reading('happy', 0.8), voice: reading('happy', 0.8) });
  assert.ok(Math.abs(mood.weights.face - 0.6) < 1e-9 && Math.abs(mood.weights.voice - 0.4) < 1e-9, JSON.stringify(mood.weights));
  mood = fusion.update({ t: 200, face: null });
  assert.deepEqual(mood.weights, { face: 0, voice: 1 });
  assert.equal(mood.rule, 'single');
  mood = fusion.update({ t: 400, face: reading('happy', 0.8), voice: reading('happy', 0.1) }); // below minConfidence
  assert.deepEqual(mood.weights, { face: 1, voice: 0 });
  // Lower confidence shrinks a modality's weight.
  mood = fusion.update({ t: 600, face: reading('happy', 0.3), voice: reading('happy', 0.9) });
  assert.ok(mood.weights.voice > 0.6, JSON.stringify(mood.weights));
});

test('configurable weights', () => {
  const fusion = new MoodFusion({ weights: { face: 1, voice: 3 }, calibration: null });
  const mood = fusion.update({ t: 0, face: reading('sad'), voice: reading('sad') });
  assert.ok(Math.abs(mood.weights.voice - 0.75) < 1e-9);
  assert.throws(() => new MoodFusion({ weights: { face: 0, voice: 0 } }), /weights/);
});

test('both modalities missing: the last mood holds with decaying confidence', () => {
  const fusion = new MoodFusion();
  let t = 0;
  for (; t <= 3000; t += 200) fusion.update({ t, face: reading('sad'), voice: reading('sad') });
  const before = fusion.last;
  assert.equal(before.emotion, 'sad');
  const held1 = fusion.update({ t: t + 1000, face: null, voice: null });
  const held2 = fusion.read(t + 11000);
  assert.equal(held1.emotion, 'sad');
  assert.equal(held2.emotion, 'sad');
  assert.ok(held1.held && held2.held);
  assert.ok(
    held1.confidence < before.confidence && held2.confidence < held1.confidence / 3,
    `${before.confidence} ${held1.confidence} ${held2.confidence}`,
  );
  // Stale readings count as missing too.
  const stale = new MoodFusion();
  stale.update({ t: 0, face: reading('happy') });
  assert.equal(stale.read(10000).held, true);
});

test('a one-frame spike never switches the mood (property)', () => {
  fc.assert(
    fc.property(
      peakedArb,
      peakedArb,
      fc.integer({ min: 100, max: 400 }),
      fc.integer({ min: 1, max: 20 }),
      (base, spike, frameMs, settleFrames) => {
        fc.pre(base.label !== spike.label);
        const fusion = new MoodFusion();
        const baseReading = peaked(base.label, base.peak, base.noise, base.confidence);
        let t = 0;
        for (let i = 0; i < 40; i++, t += frameMs) fusion.update({ t, face: baseReading, voice: baseReading });
        const settled = fusion.last.emotion;
        assert.equal(settled, FER_LABELS[base.label]);
        fusion.update({
          t,
          face: peaked(spike.label, spike.peak, spike.noise, spike.confidence),
          voice: peaked(spike.label, spike.peak, spike.noise, spike.confidence),
        });
        t += frameMs;
        for (let i = 0; i < settleFrames + 20; i++, t += frameMs) {
          assert.equal(fusion.update({ t, face: baseReading, voice: baseReading }).emotion, settled);
        }
      },
    ),
    { numRuns: 300 },
  );
});

// Readings at 2.5 Hz or faster (the face model runs at 5 fps): the smoothing needs a few readings to turn.
test('a sustained change switches the mood within the configured time (property, default 3 s)', () => {
  fc.assert(
    fc.property(peakedArb, peakedArb, fc.integer({ min: 100, max: 400 }), (base, next, frameMs) => {
      fc.pre(base.label !== next.label);
      const fusion = new MoodFusion();
      const a = peaked(base.label, base.peak, base.noise, base.confidence);
      const b = peaked(next.label, next.peak, next.noise, next.confidence);
      let t = 0;
      for (let i = 0; i < 30; i++, t += frameMs) fusion.update({ t, face: a, voice: a });
      const changeAt = t;
      let switchedAt: number | undefined;
      for (; t <= changeAt + 3000; t += frameMs) {
        if (fusion.update({ t, face: b, voice: b }).emotion === FER_LABELS[next.label]) {
          switchedAt = t;
          break;
        }
      }
      assert.ok(switchedAt !== undefined, `no switch within 3 s at ${frameMs} ms frames`);
      assert.ok(switchedAt - changeAt >= 1000, 'hysteresis: not before switchAfterMs');
    }),
    { numRuns: 300 },
  );
});

test('contradiction: the more confident modality leads; a tie keeps the previous mood', () => {
  const settle = (fusion: MoodFusion) => {
    let t = 0;
    for (; t < 3000; t += 200) fusion.update({ t, face: reading('neutral'), voice: reading('neutral') });
    return t;
  };
  // Happy face (0.9) vs sad voice (0.5): face leads.
  const plain = () => new MoodFusion({ calibration: null });
  let fusion = plain();
  let t = settle(fusion);
  let mood = fusion.update({ t, face: reading('happy', 0.9), voice: reading('sad', 0.5) });
  assert.equal(mood.rule, 'face-led');
  assert.ok(Math.abs(mood.weights.face - 0.8) < 1e-9 && Math.abs(mood.weights.voice - 0.2) < 1e-9);
  for (t += 200; t < 8000; t += 200) mood = fusion.update({ t, face: reading('happy', 0.9), voice: reading('sad', 0.5) });
  assert.equal(mood.emotion, 'happy');
  // Happy face (0.4) vs confident sad voice (0.95): voice leads.
  fusion = plain();
  t = settle(fusion);
  for (; t < 8000; t += 200) mood = fusion.update({ t, face: reading('happy', 0.4), voice: reading('sad', 0.95) });
  assert.equal(mood.rule, 'voice-led');
  assert.equal(mood.emotion, 'sad');
  // A tie holds the previous mood however long it lasts.
  fusion = plain();
  t = settle(fusion);
  for (; t < 10000; t += 200) mood = fusion.update({ t, face: reading('happy', 0.7), voice: reading('sad', 0.72) });
  assert.equal(mood.rule, 'tie-held');
  assert.equal(mood.emotion, 'neutral');
});

test('emotion maps to its circumplex coordinates', () => {
  const fusion = new MoodFusion();
  let mood = fusion.last;
  for (let t = 0; t < 10000; t += 200) mood = fusion.update({ t, face: { probabilities: [0, 0, 0, 1, 0, 0, 0], confidence: 1 } });
  assert.equal(mood.emotion, 'happy');
  assert.ok(Math.abs(mood.valence - 0.81) < 0.01 && Math.abs(mood.arousal - 0.51) < 0.01, `${mood.valence} ${mood.arousal}`);
});

test('bad readings are rejected with a clear error', () => {
  const fusion = new MoodFusion();
  assert.throws(() => fusion.push('face', { probabilities: [1, 2], confidence: 1 }, 0), /7 non-negative probabilities/);
  assert.throws(() => fusion.push('voice', { probabilities: [0, 0, 0, 0, 0, 0, 0], confidence: 1 }, 0), /sum to 0/);
});

// ---- calibration, per-class reliability and "not sure" (issue #17)

const uniformCal = (temperature: number, reliability = [1, 1, 1, 1, 1, 1, 1]) => ({ temperature, reliability });

test('the measured calibration is the default: face temperature from its file, voice calibrated in its graph, per-class F1 in 0..1', () => {
  const cal = DEFAULT_FUSION_OPTIONS.calibration!;
  assert.ok(cal.face.temperature > 0 && cal.face.temperature !== 1, `face T ${cal.face.temperature}`);
  assert.equal(cal.voice.temperature, 1);
  for (const m of [cal.face, cal.voice]) {
    assert.equal(m.reliability.length, 7);
    assert.ok(m.reliability.every((r) => r >= 0 && r <= 1) && m.reliability.some((r) => r > 0.3));
  }
});

test('a face temperature softens the face probabilities before fusion (and its confidence with them)', () => {
  const fusion = new MoodFusion({ calibration: { face: uniformCal(2), voice: uniformCal(1) } });
  const p = [0.02, 0.02, 0.02, 0.86, 0.02, 0.02, 0.04];
  let mood = fusion.last;
  for (let t = 0; t <= 10000; t += 200) mood = fusion.update({ t, face: { probabilities: p, confidence: 0.86 } });
  const sq = p.map(Math.sqrt);
  const expected = sq[3]! / sq.reduce((a, b) => a + b, 0);
  assert.ok(Math.abs(mood.probabilities[3]! - expected) < 1e-3, `${mood.probabilities[3]} vs p^(1/2) normalised ${expected}`);
  assert.ok(mood.confidence < 0.86 * 0.86, 'the calibrated confidence is lower too');
  assert.equal(mood.emotion, 'happy');
});

test('per-class reliability: a class one modality reads badly is decided by the one that reads it well', () => {
  // The face says disgust (a class it reads badly, F1 0.1), the voice says angry; the voice reads both well.
  const face = { probabilities: [0.1, 0.8, 0.02, 0.02, 0.02, 0.02, 0.02], confidence: 0.6 };
  const voice = { probabilities: [0.5, 0.1, 0.1, 0.1, 0.1, 0.05, 0.05], confidence: 0.6 };
  const run = (options: ConstructorParameters<typeof MoodFusion>[0]) => {
    const f = new MoodFusion(options);
    let m = f.last;
    for (let t = 0; t <= 6000; t += 200) m = f.update({ t, face, voice });
    return m;
  };
  assert.equal(run({ calibration: null }).emotion, 'disgust', "equal trust in every class: the face's strong disgust wins");
  const m = run({
    calibration: { face: uniformCal(1, [0.8, 0.1, 0.5, 0.8, 0.5, 0.5, 0.5]), voice: uniformCal(1, [0.8, 0.8, 0.5, 0.5, 0.5, 0.5, 0.5]) },
  });
  assert.equal(m.emotion, 'angry');
  assert.ok(m.weights.voice > m.weights.face, JSON.stringify(m.weights));
  assert.ok(Math.abs(m.weights.face + m.weights.voice - 1) < 1e-9);
});

test('"not sure": at the start, on a flat reading, and when face and voice confidently disagree; sure when they agree', () => {
  const fusion = new MoodFusion({ calibration: null });
  assert.equal(fusion.last.unsure, true, 'no evidence yet');
  let mood = fusion.last;
  let t = 0;
  for (; t <= 4000; t += 200) mood = fusion.update({ t, face: reading('happy', 0.85), voice: reading('happy', 0.8) });
  assert.equal(mood.emotion, 'happy');
  assert.equal(mood.unsure, false);
  assert.equal(mood.unsureReason, null);
  // confident happy face, confident angry voice (different emotions, both ≥ conflictConfidence)
  mood = fusion.update({ t, face: reading('happy', 0.85), voice: reading('angry', 0.8) });
  assert.equal(mood.unsure, true);
  assert.equal(mood.unsureReason, 'conflict');
  // a weak disagreeing voice is not a conflict
  mood = fusion.update({ t: (t += 200), face: reading('happy', 0.85), voice: reading('angry', 0.3) });
  assert.equal(mood.unsureReason, null);
  // flat readings for a while: the current emotion's probability sinks below unsureBelow
  const flat = { probabilities: [0.15, 0.14, 0.14, 0.15, 0.14, 0.14, 0.14], confidence: 0.25 };
  for (t += 200; t <= 12000; t += 200) mood = fusion.update({ t, face: flat, voice: flat });
  assert.equal(mood.unsure, true);
  assert.equal(mood.unsureReason, 'low-confidence');
});
