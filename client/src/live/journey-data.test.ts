import assert from 'node:assert/strict';
import { test } from 'node:test';

import { journeyLine, journeyPoints } from './journey-data.js';

const journey = {
  label: 'calm',
  from: { valence: 0.8, arousal: 0.5 },
  to: { valence: 0.3, arousal: -0.6 },
  startedAt: 0,
  endsAt: 600_000,
  step: 2,
  steps: 5,
};

test('step points lie k/n of the way, the last on the destination (as the server steps)', () => {
  const points = journeyPoints(journey);
  assert.equal(points.length, 5);
  assert.ok(Math.abs(points[0]!.valence - 0.7) < 1e-9 && Math.abs(points[0]!.arousal - 0.28) < 1e-9);
  assert.ok(Math.abs(points[4]!.valence - 0.3) < 1e-9 && Math.abs(points[4]!.arousal - -0.6) < 1e-9);
});

test('the line says the step in words and the arrival in local time, then that it arrived', () => {
  const local = new Date(600_000).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  assert.equal(journeyLine(journey, 100_000), `Step two of five towards calm, arriving about ${local}.`);
  assert.equal(journeyLine({ ...journey, step: 5 }, 700_000), 'Arrived at calm; the music stays there.');
});
