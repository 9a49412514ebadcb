import assert from 'node:assert/strict';
import { test } from 'node:test';

import type { FaceResult } from '../face/face-analyzer.js';
import { FrameMailbox } from './frame-mailbox.js';
import { SteadyRate } from './steady-rate.js';

const face = (label: 'happy' | 'sad', confidence = 0.8): FaceResult => ({
  status: 'ok',
  label,
  confidence,
  probabilities: [],
  box: { x: 0, y: 0, width: 1, height: 1 },
  detectorScore: 0.9,
});

test('steady after N same confident labels; a change or a lost face restores the full rate at once', () => {
  const s = new SteadyRate(2, 3);
  s.note('a', face('happy'));
  s.note('a', face('happy'));
  assert.equal(s.intervalMs('a'), 0, 'two results are not yet steady');
  s.note('a', face('happy'));
  assert.equal(s.intervalMs('a'), 500, 'steady: 2 fps');
  assert.equal(s.note('a', face('sad')), true, 'the change ends the steady spell');
  assert.equal(s.intervalMs('a'), 0);
  for (let i = 0; i < 3; i++) s.note('a', face('sad'));
  assert.equal(s.note('a', { status: 'no-face' }), true);
  for (let i = 0; i < 5; i++) s.note('a', face('happy', 0.3));
  assert.equal(s.intervalMs('a'), 0, 'unsure results never count as steady');
  assert.equal(new SteadyRate(0).intervalMs('a'), 0, 'off by default');
});

test('mailbox hold: a held participant is passed over until its time, and a release lets it go at once', () => {
  const box = new FrameMailbox<number>();
  box.put('a', 1);
  box.put('b', 1);
  box.hold('a', 1000);
  assert.deepEqual(box.take(500), ['b', 1]);
  assert.equal(box.take(500), undefined);
  assert.equal(box.nextRelease(500), 1000);
  assert.deepEqual(box.take(1000), ['a', 1]);
  box.done('a');
  box.put('a', 2);
  box.hold('a', 5000);
  assert.equal(box.take(600), undefined);
  box.hold('a', 0);
  assert.deepEqual(box.take(600), ['a', 2]);
});
