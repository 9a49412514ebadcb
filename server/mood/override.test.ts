/**
 * Mood overrides in the engine: a pinned emotion replaces the sensed mood of every participant
 * of that user (source "override", confidence 1, circumplex point), counts in the group mood
 * with their name, ends by itself, and the sample sink keeps receiving the sensed mood.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';

import { CIRCUMPLEX } from '../../vocabulary/circumplex.js';
import { EventBus } from '../events.js';
import { MoodEngine, type ParticipantMoodEvent, type RoomMoodEvent } from './engine.js';

const happy = { probabilities: [0, 0, 0, 0.9, 0, 0, 0.1], confidence: 0.9 };

function setup() {
  const bus = new EventBus();
  const seen: ParticipantMoodEvent[] = [];
  const rooms: RoomMoodEvent[] = [];
  const sunk: ParticipantMoodEvent[] = [];
  bus.on('participantMood', (e) => seen.push(e));
  bus.on('roomMood', (e) => rooms.push(e));
  const engine = new MoodEngine(bus, { sink: (e) => sunk.push(e), roomIntervalMs: 0 });
  return { bus, engine, seen, rooms, sunk };
}

test('an override pins the published mood, the group mood and names the user; the sink keeps the sensed mood', () => {
  const { bus, engine, seen, rooms, sunk } = setup();
  bus.emit('peerJoined', { roomId: 'r1', participantId: 'p1', userId: 'u1', displayName: 'Ada' });
  const start = Date.now() - 5000;
  for (let i = 0; i < 20; i++)
    engine.observe({ roomId: 'r1', participantId: 'p1', userId: 'u1', modality: 'face', reading: happy, t: start + i * 200 });
  assert.equal(seen.at(-1)!.mood.emotion, 'happy');
  assert.equal(seen.at(-1)!.source, 'fused');

  const until = Date.now() + 60_000;
  engine.setOverride('u1', { emotion: 'sad', until });
  // Republished at once, before any new reading.
  const pinned = seen.at(-1)!;
  assert.equal(pinned.source, 'override');
  assert.equal(pinned.mood.emotion, 'sad');
  assert.equal(pinned.mood.confidence, 1);
  assert.equal(pinned.mood.valence, CIRCUMPLEX.sad.valence);
  assert.deepEqual(pinned.override, { emotion: 'sad', until });
  assert.equal(pinned.fused.emotion, 'happy', 'the sensed mood is still there underneath');
  const room = rooms.at(-1)!;
  assert.equal(room.cause, 'override');
  assert.equal(room.mood.emotion, 'sad');
  assert.deepEqual(
    room.overrides?.map((o) => [o.displayName, o.emotion, o.until]),
    [['Ada', 'sad', until]],
  );

  // New readings keep the override in effect; the sink (history) stores what was sensed.
  engine.observe({ roomId: 'r1', participantId: 'p1', userId: 'u1', modality: 'face', reading: happy, t: start + 4200 });
  assert.equal(seen.at(-1)!.mood.emotion, 'sad');
  assert.equal(sunk.at(-1)!.mood.emotion, 'happy');
  assert.equal(sunk.at(-1)!.source, 'fused');
  assert.equal(engine.roomMood('r1')!.emotion, 'sad');

  // Another user's participants are untouched.
  engine.observe({ roomId: 'r1', participantId: 'p2', userId: 'u2', modality: 'face', reading: happy, t: start + 4300 });
  assert.equal(seen.at(-1)!.source, 'fused');

  engine.setOverride('u1', null);
  assert.equal(seen.at(-1)!.participantId, 'p1');
  assert.equal(seen.at(-1)!.source, 'fused');
  assert.equal(seen.at(-1)!.mood.emotion, 'happy');
  assert.equal(rooms.at(-1)!.overrides, undefined);
  engine.close();
});

test('an override counts for a member without any media, ends by itself, and bad ones are ignored', async () => {
  const { bus, engine, seen, rooms } = setup();
  bus.emit('peerJoined', { roomId: 'r2', participantId: 'p9', userId: 'u9', displayName: 'Bo' });
  assert.equal(engine.roomMood('r2'), undefined, 'nobody confident yet');
  engine.setOverride('u9', { emotion: 'angry', until: Date.now() + 300 });
  assert.equal(engine.roomMood('r2')!.emotion, 'angry');
  assert.equal(seen.at(-1)!.mood.emotion, 'angry');
  await sleep(500);
  assert.equal(engine.overrideOf('u9'), undefined);
  assert.equal(seen.at(-1)!.source, 'fused', 'expiry republishes the sensed mood');
  assert.equal(rooms.at(-1)!.mood.confidence, 0, 'and a group mood that says nobody is confident');
  assert.equal(rooms.at(-1)!.cause, 'override');

  const before = seen.length;
  engine.setOverride('u9', { emotion: 'bliss', until: Date.now() + 60_000 });
  engine.setOverride('u9', { emotion: 'sad', until: Date.now() - 1 });
  assert.equal(engine.overrideOf('u9'), undefined);
  assert.equal(seen.length, before, 'an unknown emotion or a past end changes nothing');
  engine.close();
});
