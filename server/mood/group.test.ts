import assert from 'node:assert/strict';
import { test } from 'node:test';

import fc from 'fast-check';

import { distance } from '../../vocabulary/circumplex.js';
import { EventBus } from '../events.js';
import { MoodEngine, type ParticipantMoodEvent, type RoomMoodEvent } from './engine.js';
import { groupMood } from './group.js';

test('group mood is the confidence-weighted mean when everyone is close to it', () => {
  const g = groupMood([
    { participantId: 'a', valence: 0.6, arousal: 0.4, confidence: 0.9 },
    { participantId: 'b', valence: 0.2, arousal: 0.0, confidence: 0.3 },
  ])!;
  assert.ok(Math.abs(g.valence - 0.5) < 1e-9 && Math.abs(g.arousal - 0.3) < 1e-9);
  assert.deepEqual(g.guardedFor, []);
  assert.equal(groupMood([{ participantId: 'x', valence: 1, arousal: 1, confidence: 0.01 }]), undefined);
});

test('least-misery guard: one sad member is not left far behind by three happy ones', () => {
  const happy = { valence: 0.81, arousal: 0.51, confidence: 0.9 };
  const g = groupMood([
    { participantId: 'a', ...happy },
    { participantId: 'b', ...happy },
    { participantId: 'c', ...happy },
    { participantId: 'sad', valence: -0.63, arousal: -0.27, confidence: 0.8 },
  ])!;
  assert.ok(distance(g.mean, { valence: -0.63, arousal: -0.27 }) > 0.9, 'the plain mean would leave them behind');
  assert.ok(distance(g, { valence: -0.63, arousal: -0.27 }) <= 0.9 + 1e-6);
  assert.deepEqual(g.guardedFor, ['sad']);
});

test('guard property: when all confident members fit in one disc, nobody ends up further than maxDistance', () => {
  fc.assert(
    fc.property(
      fc.array(
        fc.record({
          valence: fc.double({ min: -0.4, max: 0.4, noNaN: true }),
          arousal: fc.double({ min: -0.4, max: 0.4, noNaN: true }),
          confidence: fc.double({ min: 0.2, max: 1, noNaN: true }),
        }),
        { minLength: 1, maxLength: 8 },
      ),
      fc.double({ min: -0.5, max: 0.5, noNaN: true }),
      fc.double({ min: -0.5, max: 0.5, noNaN: true }),
      (members, dv, da) => {
        // Shifted copies still lie within 0.8 of each other (both coordinates within 0.8 / √2 … kept inside a 0.57 box).
        const ms = members.map((m, i) => ({
          participantId: String(i),
          valence: m.valence * 0.7 + dv,
          arousal: m.arousal * 0.7 + da,
          confidence: m.confidence,
        }));
        const g = groupMood(ms, { maxDistance: 0.5 })!;
        for (const m of ms) assert.ok(distance(g, m) <= 0.5 + 1e-3, `${distance(g, m)}`);
      },
    ),
  );
});

test('engine publishes participant and room moods on the bus with an injected clock', () => {
  const bus = new EventBus();
  let now = 0;
  const seen: ParticipantMoodEvent[] = [];
  const rooms: RoomMoodEvent[] = [];
  const sunk: ParticipantMoodEvent[] = [];
  bus.on('participantMood', (e) => seen.push(e));
  bus.on('roomMood', (e) => rooms.push(e));
  const engine = new MoodEngine(bus, { now: () => now, sink: (e) => sunk.push(e) });
  const happy = { probabilities: [0, 0, 0, 0.9, 0, 0, 0.1], confidence: 0.9 };
  for (; now < 5000; now += 200) {
    engine.observe({ roomId: 'r1', participantId: 'p1', userId: 'u1', modality: 'face', reading: happy });
    engine.observe({ roomId: 'r1', participantId: 'p2', modality: 'voice', reading: happy });
  }
  assert.equal(seen.length, 50);
  assert.equal(sunk.length, 50);
  assert.equal(seen.at(-1)!.mood.emotion, 'happy');
  assert.equal(seen.find((e) => e.participantId === 'p1')!.userId, 'u1');
  assert.ok(rooms.length >= 4 && rooms.length <= 6, `room mood at most once a second: ${rooms.length}`);
  assert.equal(rooms.at(-1)!.mood.emotion, 'happy');
  assert.equal(rooms.at(-1)!.mood.members, 2);
  bus.emit('peerLeft', { roomId: 'r1', participantId: 'p2', displayName: 'x' });
  assert.equal(engine.roomMood('r1', now)!.members, 1);
  assert.equal(engine.participantMood('p2'), undefined);
});
