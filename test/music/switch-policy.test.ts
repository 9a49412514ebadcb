/**
 * Early switches and what the room is told while one waits, on a fake clock: a pinned mood
 * during the minimum dwell waits (story.waiting with the epoch ms it may happen) and switches
 * then; "Play next" after the dwell switches at once; a journey steps on its schedule. The
 * director is real (embedded PostgreSQL); the stream is a recorder of switch requests.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { type Database, openDatabase } from '../../server/database.js';
import { EventBus } from '../../server/events.js';
import { MusicDirector, roomSession } from '../../server/music/director.js';
import type { Scheduler } from '../../server/music/first-pick.js';
import type { NowPlayingEvent } from '../../server/music/now-playing.js';
import type { MoodReading } from '../../server/music/recommender.js';
import { RoomStories } from '../../server/music/room-story.js';
import { RoomSwitcher } from '../../server/music/switch-policy.js';
import { trackFeatures, tracks } from '../../sql/schema.js';

let dir: string;
let database: Database;
const ids: string[] = [];

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'moodify-switch-'));
  database = await openDatabase({ dataDir: dir });
  await database.migrate();
  for (const [i, p] of [
    { valence: 0.8, arousal: 0.5 },
    { valence: -0.6, arousal: -0.3 },
    { valence: 0.3, arousal: -0.6 },
  ].entries()) {
    const [row] = await database.db
      .insert(tracks)
      .values({
        filePath: `/lib/${i}.ogg`,
        audioHash: `s${i}`,
        fileSize: 1,
        fileMtimeMs: 1,
        title: `T${i}`,
        durationS: 200,
        origin: 'import',
      })
      .returning({ id: tracks.id });
    ids.push(row!.id);
    await database.db.insert(trackFeatures).values({
      trackId: row!.id,
      bpm: 100,
      key: 'C',
      mode: 'major',
      keyConfidence: 0.8,
      loudnessLufs: -16,
      energy: 0.1,
      spectralCentroidHz: 1200,
      valence: p.valence,
      arousal: p.arousal,
      emotion: 'happy',
      moodSource: 'model',
      modelVersion: 'test',
      vector: {},
    });
  }
});
after(async () => {
  await database?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function rig() {
  const clock = { now: 1_000_000 };
  const timers = new Set<{ at: number; fn: () => void }>();
  const schedule: Scheduler = (fn, ms) => {
    const timer = { at: clock.now + ms, fn };
    timers.add(timer);
    return () => void timers.delete(timer);
  };
  const advance = (ms: number) => {
    clock.now += ms;
    for (const timer of [...timers].sort((a, b) => a.at - b.at)) if (timer.at <= clock.now && timers.delete(timer)) timer.fn();
  };
  const director = new MusicDirector(database.db, {
    now: () => clock.now,
    dwell: { minDwellMs: 45_000, strongChange: 0.6, returnChange: 0.3, sustainMs: 8000 },
  });
  const bus = new EventBus();
  const announced: NowPlayingEvent[] = [];
  bus.on('nowPlaying', (e) => announced.push(e));
  const stories = new RoomStories(bus, director, () => clock.now);
  const switches: string[] = [];
  let mood: MoodReading = { emotion: 'happy', confidence: 0.8, valence: 0.8, arousal: 0.5, members: 1, status: 'mood' };
  const switcher = new RoomSwitcher({
    director,
    stories,
    roomMood: () => mood,
    streams: () => ({ requestSwitch: async (roomId) => void switches.push(roomId), get: () => ({}) }),
    log: { debug: () => {} },
    now: () => clock.now,
    schedule,
  });
  const play = async (roomId: string) => {
    if (director.catalogSize === 0) await director.reloadCatalog();
    const pick = (await director.next({ sessionKey: roomSession(roomId), mood, cause: 'next' }))!;
    stories.picked(roomId, pick);
    switcher.picked(roomId);
    director.trackAudible(roomSession(roomId));
    stories.started(roomId, { ...pick, artist: null }, clock.now);
    return pick;
  };
  return { clock, advance, director, announced, switches, switcher, play, setMood: (m: MoodReading) => (mood = m), timers };
}

test('a pinned mood during the minimum dwell waits, says so with the time it may happen, and switches then', async () => {
  const r = rig();
  await r.play('a');
  const startedAt = r.clock.now;
  r.advance(10_000);
  const sad: MoodReading = {
    emotion: 'sad',
    confidence: 1,
    valence: -0.63,
    arousal: -0.27,
    members: 1,
    status: 'mood',
    overrides: [{ emotion: 'sad', until: r.clock.now + 600_000 }],
  };
  r.setMood(sad);
  r.switcher.moodChanged('a', sad, true);
  assert.deepEqual(r.switches, [], 'not before the dwell');
  const waiting = r.announced.at(-1)!.story.waiting!;
  assert.equal(waiting.sentence, 'You told us you feel sad; something to match comes next.');
  assert.equal(waiting.at, startedAt + 45_000);
  r.advance(34_000);
  assert.deepEqual(r.switches, []);
  r.advance(2000);
  assert.deepEqual(r.switches, ['a'], 'switched once the dwell was over');
  const next = await r.play('a');
  assert.equal(next.story.sentence, "You told us you feel sad, so we're keeping it soft and gentle.");
  assert.equal(r.announced.at(-1)!.story.waiting, null, 'the new pick answers the wait');
});

test('a sensed change that holds is told as it waits; one that fades clears the wait', async () => {
  const r = rig();
  await r.play('b');
  const calm: MoodReading = { emotion: 'neutral', confidence: 0.7, valence: 0.4, arousal: -0.5, members: 2, status: 'mood' };
  for (let i = 0; i <= 9; i++) {
    r.advance(1000);
    r.switcher.moodChanged('b', calm, false);
  }
  assert.equal(r.announced.at(-1)!.story.waiting?.sentence, 'The room has calmed down; something calmer comes next.');
  r.switcher.moodChanged('b', { emotion: 'happy', confidence: 0.8, valence: 0.75, arousal: 0.45, members: 2, status: 'mood' }, false);
  assert.equal(r.announced.at(-1)!.story.waiting, null, 'the room came back: nothing waits');
});

test('"Play next" after the dwell switches at once and the queued track comes next, named', async () => {
  const r = rig();
  const first = await r.play('c');
  r.advance(50_000);
  const other = ids.find((id) => id !== first.trackId)!;
  r.director.queueTrack(roomSession('c'), other, 'Ada');
  r.switcher.steer('c', { kind: 'queued', by: 'Ada' });
  assert.deepEqual(r.switches, ['c']);
  const next = await r.play('c');
  assert.equal(next.trackId, other);
  assert.equal(next.story.sentence, 'Ada picked this one to play next.');
});

test('a journey starts after the dwell and takes its next step on schedule, in the story', async () => {
  const r = rig();
  await r.play('d');
  r.director.setDestination(roomSession('d'), { valence: 0.3, arousal: -0.6, minutes: 4, label: 'calm' }, { valence: 0.8, arousal: 0.5 });
  r.switcher.journeyStarted('d');
  const told = r.announced.at(-1)!.story;
  assert.equal(told.journey?.steps, 2);
  assert.equal(told.journey?.step, 1);
  assert.equal(told.waiting?.sentence, 'Step one of two towards calm comes next.');
  r.advance(46_000);
  assert.deepEqual(r.switches, ['d']);
  const step1 = await r.play('d');
  assert.match(step1.story.sentence, /^Step one of two towards calm: you look cheerful/);
  r.advance(2 * 60_000 - 46_000); // the second step begins
  assert.equal(r.announced.at(-1)!.story.journey?.step, 2);
  assert.deepEqual(r.switches, ['d', 'd'], 'the dwell was over: the step switches at once');
  r.director.clearDestination(roomSession('d'));
  r.switcher.journeyEnded('d');
  assert.equal(r.announced.at(-1)!.story.journey, null);
  assert.equal(r.timers.size, 0, 'no step timer left');
});
