import assert from 'node:assert/strict';
import { test } from 'node:test';

import { FrameMailbox } from './frame-mailbox.js';

test('a newer frame replaces the waiting one and keeps its place in line', () => {
  const box = new FrameMailbox<number>();
  box.put('a', 1);
  box.put('b', 1);
  assert.equal(box.put('a', 2), 1);
  assert.equal(box.skipped, 1);
  assert.equal(box.size, 2);
  assert.deepEqual(box.take(), ['a', 2]);
  assert.deepEqual(box.take(), ['b', 1]);
  assert.equal(box.take(), undefined);
});

test('one frame in flight per participant; the participant served least recently goes first', () => {
  const box = new FrameMailbox<string>();
  box.put('a', 'a1');
  box.put('b', 'b1');
  assert.deepEqual(box.take(), ['a', 'a1']);
  box.put('a', 'a2'); // arrives while a1 is analysed
  assert.deepEqual(box.take(), ['b', 'b1']);
  assert.equal(box.take(), undefined, 'a is in flight, so a2 waits');
  box.done('a');
  box.put('b', 'b2');
  assert.deepEqual(box.take(), ['a', 'a2'], 'a waited longer than b');
  assert.deepEqual(box.inFlight().sort(), ['a', 'b']);
});

test('under overload every participant is served once per round, whatever its frame rate', () => {
  const box = new FrameMailbox<number>();
  const served = new Map<string, number>();
  // 10 participants; the first five send 6 frames per service, the others 1
  for (let round = 0; round < 200; round++) {
    for (let p = 0; p < 10; p++) for (let f = 0; f < (p < 5 ? 6 : 1); f++) box.put(`p${p}`, round);
    for (let s = 0; s < 3; s++) {
      const next = box.take();
      if (!next) break;
      served.set(next[0], (served.get(next[0]) ?? 0) + 1);
      box.done(next[0]);
    }
    assert.ok(box.size <= 10, 'never more than one frame per participant waits');
  }
  const counts = [...served.values()];
  assert.equal(counts.length, 10);
  assert.ok(Math.max(...counts) - Math.min(...counts) <= 1, `evenly served: ${counts}`);
});
