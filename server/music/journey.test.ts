/** Journeys: the target moves from the room's mood to the destination in equal steps over the duration. */
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { journeyStep, journeyTarget, journeyView, MAX_STEPS, nextStepAt, startJourney } from './journey.js';

const MIN = 60_000;

test('ten minutes to calm: five steps, each a fifth of the way, then the destination holds', () => {
  const from = { valence: 0.8, arousal: 0.5 };
  const j = startJourney(from, { valence: 0.3, arousal: -0.6, minutes: 10, label: 'calm' }, 1_000_000);
  assert.equal(j.steps, 5);
  assert.equal(j.endsAt, 1_000_000 + 10 * MIN);
  const at = (minutes: number) => 1_000_000 + minutes * MIN;
  assert.equal(journeyStep(j, at(0)), 1);
  assert.equal(journeyStep(j, at(1.99)), 1);
  assert.equal(journeyStep(j, at(2)), 2);
  assert.equal(journeyStep(j, at(9.99)), 5);
  assert.equal(journeyStep(j, at(60)), 5, 'arrived: stays at the last step');
  const t1 = journeyTarget(j, at(0));
  assert.ok(Math.abs(t1.valence - 0.7) < 1e-9 && Math.abs(t1.arousal - 0.28) < 1e-9, JSON.stringify(t1));
  const t3 = journeyTarget(j, at(4.5));
  assert.ok(Math.abs(t3.valence - 0.5) < 1e-9 && Math.abs(t3.arousal - -0.16) < 1e-9, JSON.stringify(t3));
  assert.deepEqual(journeyTarget(j, at(11)), { valence: 0.3, arousal: -0.6 });
  assert.equal(nextStepAt(j, at(0)), at(2));
  assert.equal(nextStepAt(j, at(7)), at(8));
  assert.equal(nextStepAt(j, at(8.5)), undefined, 'no step after the last');
  assert.deepEqual(journeyView(j, at(4.5)), {
    label: 'calm',
    from,
    to: { valence: 0.3, arousal: -0.6 },
    startedAt: at(0),
    endsAt: at(10),
    step: 3,
    steps: 5,
  });
});

test('steps are about two minutes each, at least one and at most twelve', () => {
  const j = (minutes: number) => startJourney({ valence: 0, arousal: 0 }, { valence: 1, arousal: 1, minutes, label: 'x' }, 0).steps;
  assert.equal(j(1), 1);
  assert.equal(j(3), 2);
  assert.equal(j(20), 10);
  assert.equal(j(180), MAX_STEPS);
});
