import assert from 'node:assert/strict';
import { test } from 'node:test';

import type { ParticipantMoodView } from '../../../vocabulary/live-events.js';
import { RoomFeed } from './room-feed.js';

const reading = (t: number, detailed = true): ParticipantMoodView =>
  ({
    participantId: 'p1',
    displayName: 'Ann',
    t,
    emotion: 'happy',
    confidence: 0.7,
    valence: 0.8,
    arousal: 0.5,
    source: 'fused',
    ...(detailed ? { probabilities: [0, 0, 0, 0.7, 0, 0, 0.3], weights: { face: 0.6, voice: 0.4 } } : {}),
  }) as ParticipantMoodView;

test('own readings handed over by the capture socket reach the emotion flow once, in time order', () => {
  const feed = new RoomFeed('r1', () => undefined);
  let changes = 0;
  feed.addEventListener('change', () => changes++);
  const now = Date.now();
  feed.addOwnMood(reading(now - 2000));
  feed.addOwnMood(reading(now - 3000));
  feed.addOwnMood(reading(now - 2000)); // a signed-in viewer's watch socket delivers it as well
  feed.addOwnMood(reading(now - 1000, false)); // label-only: someone else's view of it, not chartable
  assert.deepEqual(
    feed.ownMoods.map((m) => m.t),
    [now - 3000, now - 2000],
  );
  assert.equal(changes, 2);
});

test('readings older than the feed window are not kept', () => {
  const feed = new RoomFeed('r1', () => undefined);
  feed.addOwnMood(reading(Date.now() - 10 * 60_000));
  assert.deepEqual(feed.ownMoods, []);
});
