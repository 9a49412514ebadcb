/** The first pick waits for the room to be read, at most the bounded wait, on a fake clock. */
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { FirstReadingGate, MAX_FIRST_PICK_WAIT_MS, readyForFirstPick, type Scheduler } from './first-pick.js';

/** A clock that only moves when the test says so. */
function fakeClock() {
  let now = 0;
  const timers = new Set<{ at: number; fn: () => void }>();
  const schedule: Scheduler = (fn, ms) => {
    const timer = { at: now + ms, fn };
    timers.add(timer);
    return () => void timers.delete(timer);
  };
  const advance = async (ms: number) => {
    now += ms;
    for (const timer of [...timers].sort((a, b) => a.at - b.at)) {
      if (timer.at <= now && timers.delete(timer)) timer.fn();
    }
    await new Promise((r) => setImmediate(r));
  };
  return { schedule, advance, pending: () => timers.size };
}

test('a room already read (or with nobody to read) picks at once', async () => {
  const clock = fakeClock();
  const gate = new FirstReadingGate(10_000, clock.schedule);
  assert.equal(await gate.wait('r', () => true), 'ready');
  assert.equal(clock.pending(), 0);
});

test('the first pick goes ahead when the first confident reading arrives', async () => {
  const clock = fakeClock();
  const gate = new FirstReadingGate(10_000, clock.schedule);
  let outcome: string | undefined;
  void gate.wait('r', () => false).then((o) => (outcome = o));
  await clock.advance(3000);
  assert.equal(outcome, undefined, 'still listening after 3 s');
  gate.moodRead('other-room');
  await clock.advance(0);
  assert.equal(outcome, undefined, "another room's reading does not count");
  gate.moodRead('r');
  await clock.advance(0);
  assert.equal(outcome, 'read');
  assert.equal(clock.pending(), 0, 'its timeout is cancelled');
  assert.equal(gate.waiting, 0);
});

test('without a reading it waits the bound and no longer (never more than ten seconds)', async () => {
  const clock = fakeClock();
  const gate = new FirstReadingGate(60_000, clock.schedule);
  let outcome: string | undefined;
  void gate.wait('r', () => false).then((o) => (outcome = o));
  await clock.advance(MAX_FIRST_PICK_WAIT_MS - 1);
  assert.equal(outcome, undefined);
  await clock.advance(1);
  assert.equal(outcome, 'timed-out');
  assert.equal(await new FirstReadingGate(0, clock.schedule).wait('r', () => false), 'ready', 'a wait of 0 turns it off');
});

test('a mood one reading old (still mostly the neutral start) is not enough; a sure one or an override is', () => {
  assert.equal(readyForFirstPick({ status: 'mood', confidence: 0.22 }), false);
  assert.equal(readyForFirstPick({ status: 'listening', confidence: 0 }), false);
  assert.equal(readyForFirstPick({ status: 'mood', confidence: 0.7 }), true);
  assert.equal(readyForFirstPick({ status: 'mood', confidence: 1 }), true, 'an override counts with confidence 1');
});
