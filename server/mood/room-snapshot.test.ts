/**
 * One story of the room's mood (issue #13 item 6): each contradiction a user saw, reproduced on
 * the engine with an injected clock, and the cause fixed — the group's word is the members'
 * vote, the last state of a burst is always published, an empty room says so, a room nobody can
 * read yet says it is listening, and member moods travel in the same snapshot as the group mood.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';

import { CIRCUMPLEX, nearestEmotion, pointOf } from '../../vocabulary/circumplex.js';
import { EventBus } from '../events.js';
import { MoodEngine, type RoomMoodEvent } from './engine.js';
import { groupMood } from './group.js';

// FER order: angry, disgust, fear, happy, sad, surprise, neutral
const mostlyHappy = { probabilities: [0, 0, 0, 0.45, 0, 0.35, 0.2], confidence: 0.9 };
const happy = { probabilities: [0, 0, 0, 0.9, 0, 0.05, 0.05], confidence: 0.9 };
const angry = { probabilities: [0.9, 0.05, 0, 0, 0, 0, 0.05], confidence: 0.9 };

function setup(options: ConstructorParameters<typeof MoodEngine>[1] = {}) {
  const bus = new EventBus();
  const clock = { now: 0 };
  const rooms: RoomMoodEvent[] = [];
  bus.on('roomMood', (e) => rooms.push(e));
  const engine = new MoodEngine(bus, { now: () => clock.now, ...options });
  return { bus, clock, rooms, engine };
}

test('"the room seems surprise while its only member seems happy": the group word is the members\' vote, not the point\'s nearest emotion', () => {
  // The cause: a member's label is their smoothed class (happy leads), while the group took the
  // emotion nearest the member's expected point, which a share of surprise pulls nearer surprise.
  assert.equal(nearestEmotion(pointOf(mostlyHappy.probabilities)), 'surprise', 'the case is real');
  const { clock, rooms, engine } = setup();
  for (; clock.now <= 4000; clock.now += 200) engine.observe({ roomId: 'r', participantId: 'p1', modality: 'face', reading: mostlyHappy });
  const member = engine.participantMood('p1')!;
  assert.equal(member.emotion, 'happy');
  const last = rooms.at(-1)!;
  assert.equal(last.mood.emotion, 'happy');
  assert.equal(last.memberMoods?.[0]?.emotion, 'happy', 'the member in the same snapshot');
  assert.equal(last.mood.agreeing, 1);
});

test('"angry (1 person) while both members seem happy": the last state of a burst is published after the interval', async () => {
  const { clock, rooms, engine } = setup({ fusion: { switchAfterMs: 200, minSupport: 2 }, roomIntervalMs: 1000 });
  for (; clock.now <= 3000; clock.now += 200) engine.observe({ roomId: 'r', participantId: 'a', modality: 'face', reading: angry });
  assert.equal(rooms.at(-1)!.mood.emotion, 'angry');
  assert.equal(rooms.at(-1)!.mood.members, 1);
  // Within one interval both are seen happy, then nothing more arrives (faces out of view).
  for (clock.now = 3100; clock.now <= 3900; clock.now += 100) {
    engine.observe({ roomId: 'r', participantId: 'a', modality: 'face', reading: happy });
    engine.observe({ roomId: 'r', participantId: 'b', modality: 'face', reading: happy });
  }
  assert.equal(engine.participantMood('a')!.emotion, 'happy');
  assert.equal(engine.participantMood('b')!.emotion, 'happy');
  await sleep(1500); // the trailing publication is due when the interval since the last one ends (engine time 4000)
  const last = rooms.at(-1)!;
  assert.equal(last.mood.emotion, 'happy', 'not the stale angry');
  assert.equal(last.mood.members, 2);
  assert.deepEqual(
    last.memberMoods?.map((m) => [m.participantId, m.emotion, m.counted]),
    [
      ['a', 'happy', true],
      ['b', 'happy', true],
    ],
  );
  assert.ok(rooms.filter((r) => r.t > 3000).length <= 2, 'still at most about one a second');
  engine.close();
});

test('members, group and their counts come from one snapshot: confidences as the group used them', () => {
  const { clock, rooms, engine } = setup();
  for (; clock.now <= 3000; clock.now += 200) engine.observe({ roomId: 'r', participantId: 'a', modality: 'face', reading: happy });
  clock.now += 20_000; // a's last reading is old: its confidence has decayed below the group's minimum
  engine.observe({ roomId: 'r', participantId: 'b', modality: 'face', reading: { probabilities: happy.probabilities, confidence: 0.25 } });
  const last = rooms.at(-1)!;
  const a = last.memberMoods!.find((m) => m.participantId === 'a')!;
  assert.equal(a.counted, false);
  assert.ok(a.confidence < 0.15);
  assert.equal(last.mood.members, last.memberMoods!.filter((m) => m.counted).length, 'the count is of the members shown as counted');
});

test('an empty room says so when the last member leaves; a room nobody can read yet is "listening"', async () => {
  const { bus, clock, rooms, engine } = setup();
  bus.emit('peerJoined', { roomId: 'r', participantId: 'p1', displayName: 'Ada' });
  await new Promise((r) => setImmediate(r));
  assert.equal(rooms.at(-1)!.status, 'listening');
  assert.equal(rooms.at(-1)!.mood.confidence, 0);
  assert.deepEqual(
    rooms.at(-1)!.memberMoods!.map((m) => [m.displayName, m.counted]),
    [['Ada', false]],
  );
  for (; clock.now <= 3000; clock.now += 200) engine.observe({ roomId: 'r', participantId: 'p1', modality: 'face', reading: happy });
  assert.equal(rooms.at(-1)!.status, 'mood');
  assert.equal(rooms.at(-1)!.mood.emotion, 'happy');
  bus.emit('peerLeft', { roomId: 'r', participantId: 'p1', displayName: 'Ada' });
  const last = rooms.at(-1)!;
  assert.equal(last.status, 'empty', 'the stale happy mood is not kept');
  assert.equal(last.mood.confidence, 0);
  assert.deepEqual(last.memberMoods, []);
});

test("group word by vote: two happy and one sad make a happy room that two agree on; a tie stays among the members' words", () => {
  const at = (emotion: 'happy' | 'sad' | 'neutral', participantId: string, confidence = 0.8) => ({
    participantId,
    emotion,
    confidence,
    ...CIRCUMPLEX[emotion],
  });
  const g = groupMood([at('happy', 'a'), at('happy', 'b'), at('sad', 'c')])!;
  assert.equal(g.emotion, 'happy');
  assert.equal(g.members, 3);
  assert.equal(g.agreeing, 2);
  // A tie is settled between the tied words (the nearest emotion to the midpoint, surprise, is no member's).
  const tie = groupMood([at('happy', 'a'), at('neutral', 'b')])!;
  assert.equal(nearestEmotion(tie), 'surprise');
  assert.ok(['happy', 'neutral'].includes(tie.emotion), tie.emotion);
  assert.equal(tie.agreeing, 1);
  // Without labels (points only) the members vote for the emotion nearest their own point.
  assert.equal(groupMood([{ participantId: 'x', confidence: 0.8, ...CIRCUMPLEX.sad }])!.emotion, 'sad');
});

test('"not sure yet" travels with each member and the group; a pinned mood is never unsure', async () => {
  const { bus, clock, rooms, engine } = setup();
  bus.emit('peerJoined', { roomId: 'r', participantId: 'p1', userId: 'u1', displayName: 'Ada' });
  // A weak, spread reading: fusion leans to neutral but is not sure.
  for (; clock.now <= 3000; clock.now += 200)
    engine.observe({
      roomId: 'r',
      participantId: 'p1',
      userId: 'u1',
      modality: 'face',
      reading: { probabilities: [0.15, 0.1, 0.15, 0.15, 0.15, 0.1, 0.2], confidence: 0.9 },
    });
  const sensed = engine.participantMood('p1')!;
  assert.equal(sensed.unsure, true, 'a weak, spread reading is not sure');
  const last = rooms.at(-1)!;
  assert.equal(last.status, 'listening', 'nobody confident: listening, not a mood');
  assert.equal(last.memberMoods![0]!.unsure, sensed.unsure, 'the member as fusion read them');
  if (last.memberMoods![0]!.counted) assert.equal(last.unsure, sensed.unsure, 'one counted member: the group is as sure as they are');
  engine.setOverride('u1', { emotion: 'sad', until: clock.now + 60_000 });
  const pinned = rooms.at(-1)!;
  assert.equal(pinned.cause, 'override');
  assert.equal(pinned.memberMoods![0]!.unsure, false);
  assert.equal(pinned.unsure, false);
  assert.equal(engine.participantMood('p1')!.unsure, false);
  engine.close();
});
