/**
 * A user's mood override in the music: the pick's explanation names it, and it switches early
 * without the sustain a sensed change needs, but never before the minimum dwell.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { syntheticCatalog } from '../../test/helpers/synthetic-catalog.js';
import { pickTrack } from './recommender.js';
import { DwellTracker } from './smoothness.js';

const catalog = syntheticCatalog(200, 3);
const until = Date.UTC(2026, 0, 1, 14, 5);

test('the explanation names the override: "you" when it is the whole mood, the name in a group', () => {
  const alone = pickTrack(catalog, {
    mood: {
      emotion: 'sad',
      confidence: 1,
      valence: -0.63,
      arousal: -0.27,
      members: 1,
      overrides: [{ emotion: 'sad', until, displayName: 'Ada' }],
    },
    strategy: 'lift',
    now: 0,
    history: [],
    subject: 'the room',
  })!;
  assert.match(alone.explanation, /^you set your mood to sad \(until 14:05 UTC\) → lift: /);
  const group = pickTrack(catalog, {
    mood: {
      emotion: 'neutral',
      confidence: 0.8,
      valence: -0.2,
      arousal: 0,
      members: 2,
      overrides: [{ emotion: 'sad', until, displayName: 'Ada' }],
    },
    strategy: 'match',
    now: 0,
    history: [],
    subject: 'the room',
  })!;
  assert.match(group.explanation, /^the room seemed neutral \(0\.80; Ada set their mood to sad until 14:05 UTC\) → match: /);
  const none = pickTrack(catalog, {
    mood: { emotion: 'sad', confidence: 0.7, valence: -0.6, arousal: -0.3 },
    strategy: 'match',
    now: 0,
    history: [],
    subject: 'the room',
  })!;
  assert.match(none.explanation, /^the room seemed sad \(0\.70\) → match: /);
});

test('a deliberate change skips the sustain but waits for the minimum dwell', () => {
  const dwell = new DwellTracker({ minDwellMs: 45_000, strongChange: 0.6, sustainMs: 8_000 });
  const neutral = { valence: 0, arousal: 0 };
  const sad = { valence: -0.63, arousal: -0.27 };
  dwell.started(neutral, 0);
  assert.equal(dwell.shouldSwitchEarly(sad, 50_000), false, 'a sensed change must be sustained');
  assert.equal(dwell.shouldSwitchEarly(sad, 50_000, true), true, 'a deliberate one need not');

  dwell.started(neutral, 100_000);
  assert.equal(dwell.shouldSwitchEarly(sad, 110_000, true), false, 'not before the minimum dwell');
  assert.equal(dwell.deliberatePending, true);
  assert.equal(dwell.dwellRemainingMs(110_000), 35_000);
  assert.equal(dwell.shouldSwitchEarly(sad, 145_000), true, 'remembered until the dwell is over');

  dwell.started(neutral, 200_000);
  assert.equal(dwell.shouldSwitchEarly({ valence: 0.1, arousal: 0 }, 260_000, true), false, 'a small change is no reason');
  assert.equal(dwell.deliberatePending, false);
});
