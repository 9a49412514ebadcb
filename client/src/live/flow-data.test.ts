import assert from 'node:assert/strict';
import { test } from 'node:test';

import { CIRCUMPLEX } from '../../../vocabulary/circumplex.js';
import type { ParticipantMoodView } from '../../../vocabulary/live-events.js';
import { FLOW_SERIES, flowData } from './flow-data.js';

const HAPPY = [0, 0, 0, 1, 0, 0, 0];
const SAD = [0, 0, 0, 0, 1, 0, 0];

function reading(t: number, extra: Partial<ParticipantMoodView>): ParticipantMoodView {
  return {
    participantId: 'p',
    displayName: 'Ada',
    t,
    emotion: 'happy',
    confidence: 0.8,
    valence: 0.81,
    arousal: 0.51,
    source: 'fused',
    ...extra,
  };
}

test('flowData: one column per series, valences from the circumplex, null where a modality is missing', () => {
  const data = flowData([
    reading(1_000, { probabilities: HAPPY, face: HAPPY, voice: null }),
    // Under an override the mood line follows the pinned emotion while face and voice go on.
    reading(2_500, {
      emotion: 'sad',
      valence: CIRCUMPLEX.sad.valence,
      confidence: 1,
      source: 'override',
      probabilities: HAPPY,
      face: HAPPY,
      voice: SAD,
    }),
  ]);
  assert.equal(data.length, 1 + FLOW_SERIES.length);
  const [x, mood, sensed, face, voice, confidence] = data;
  assert.deepEqual(x, [1, 2.5], 'uPlot time is in seconds');
  assert.deepEqual(mood, [0.81, CIRCUMPLEX.sad.valence]);
  assert.deepEqual(sensed, [CIRCUMPLEX.happy.valence, CIRCUMPLEX.happy.valence]);
  assert.deepEqual(face, [CIRCUMPLEX.happy.valence, CIRCUMPLEX.happy.valence]);
  assert.deepEqual(voice, [null, CIRCUMPLEX.sad.valence]);
  assert.deepEqual(confidence, [0.8, 1]);
});

test('flowData: a reading without detail (or with a malformed vector) draws no modality lines', () => {
  const [x, mood, sensed, face] = flowData([reading(0, { probabilities: [0.5, 0.5], face: undefined })]);
  assert.deepEqual([x, mood, sensed, face], [[0], [0.81], [null], [null]]);
  assert.deepEqual(
    flowData([]).map((c) => c.length),
    [0, 0, 0, 0, 0, 0],
  );
});
