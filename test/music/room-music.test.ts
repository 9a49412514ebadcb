/**
 * The room music policy without fastify: a real event bus, a real room registry (one mediasoup
 * worker, no transports) for presence, and the director on embedded PostgreSQL. The mood the
 * music follows, a first pick that waits for the room to be read, whose strategy steers a room,
 * and what the music says on the bus (trackPicked, nowPlaying with its story).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';

import { eq } from 'drizzle-orm';
import pino from 'pino';
import { Registry } from 'prom-client';

import { IngestMetrics } from '../../media/ingest/metrics.js';
import { WorkerPool } from '../../media/worker-pool.js';
import { type Database, openDatabase } from '../../server/database.js';
import { EventBus } from '../../server/events.js';
import type { RoomMoodEvent } from '../../server/mood/engine.js';
import { MusicDirector, roomSession } from '../../server/music/director.js';
import type { NowPlayingEvent, TrackPickedEvent } from '../../server/music/now-playing.js';
import { RoomMusic } from '../../server/music/room-music.js';
import { RoomRegistry } from '../../server/rooms/room-registry.js';
import { feedback, rooms, trackFeatures, tracks, users, userSettings } from '../../sql/schema.js';

const log = pino({ level: 'silent' });
const bus = new EventBus();
let dir: string;
let database: Database;
let workers: WorkerPool;
let registry: RoomRegistry;
let director: MusicDirector;
let music: RoomMusic;
let ownerId: string;
let memberId: string;
let ownedRoomId: string;

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'moodify-room-music-'));
  database = await openDatabase({ dataDir: dir });
  await database.migrate();
  const { db } = database;
  for (const [i, p] of [
    { title: 'Happy', valence: 0.8, arousal: 0.5 },
    { title: 'Sad', valence: -0.6, arousal: -0.3 },
    { title: 'Calm', valence: 0.3, arousal: -0.6 },
  ].entries()) {
    const [row] = await db
      .insert(tracks)
      .values({
        filePath: `/lib/${i}.ogg`,
        audioHash: `rm${i}`,
        fileSize: 1,
        fileMtimeMs: 1,
        title: p.title,
        durationS: 200,
        origin: 'import',
      })
      .returning({ id: tracks.id });
    await db.insert(trackFeatures).values({
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
  // The owner of a room prefers calm; a member prefers lift.
  const user = async (displayName: string) => (await db.insert(users).values({ displayName }).returning({ id: users.id }))[0]!.id;
  ownerId = await user('Owner');
  memberId = await user('Member');
  await db.insert(userSettings).values([
    { userId: ownerId, strategy: 'calm' },
    { userId: memberId, strategy: 'lift' },
  ]);
  ownedRoomId = (await db.insert(rooms).values({ slug: 'owned', name: 'Owned', ownerId }).returning({ id: rooms.id }))[0]!.id;

  const metrics = new Registry();
  workers = new WorkerPool({ size: 1, logLevel: 'warn', logger: log, registry: metrics });
  await workers.start();
  registry = new RoomRegistry({
    workers,
    network: { listenIp: '127.0.0.1', minPort: 40000, maxPort: 49999 },
    analysis: { fps: 5, width: 320, height: 240 },
    metrics: new IngestMetrics(metrics),
    events: bus,
    logger: log,
    maxParticipants: 10,
  });
  director = new MusicDirector(db);
  music = new RoomMusic({ events: bus, db, director, presence: registry, log, firstPickWaitMs: 10_000, importing: () => false });
});

after(async () => {
  music?.close();
  await registry?.close();
  await workers?.close();
  await database?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const join = async (roomId: string, userId?: string) =>
  (await registry.join(roomId, { userId, displayName: 'Someone', role: 'member' }, () => {})).peer;

function roomMood(
  roomId: string,
  mood: { emotion: 'happy' | 'sad' | 'neutral'; confidence: number; valence: number; arousal: number },
  extra: Partial<RoomMoodEvent> = {},
): RoomMoodEvent {
  return {
    roomId,
    t: Date.now(),
    mood: { ...mood, members: 1, agreeing: 1, mean: { valence: mood.valence, arousal: mood.arousal }, guardedFor: [] },
    ...extra,
  };
}

async function waitFor(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!check()) {
    assert.ok(Date.now() < deadline, `timed out waiting for ${what}`);
    await delay(20);
  }
}

test("a room's first pick waits for the room to be read, then suits its mood and is announced", async () => {
  const picked: TrackPickedEvent[] = [];
  const announced: NowPlayingEvent[] = [];
  bus.on('trackPicked', (e) => picked.push(e));
  bus.on('nowPlaying', (e) => announced.push(e));
  const peer = await join('first-room');
  let settled = false;
  const pending = music.next('first-room', 'start').finally(() => (settled = true));
  await delay(300);
  assert.equal(settled, false, 'no pick while someone is there and nobody has been read');
  bus.emit('roomMood', roomMood('first-room', { emotion: 'happy', confidence: 0.8, valence: 0.8, arousal: 0.5 }));
  const pick = await pending;
  assert.equal(pick.title, 'Happy');
  assert.deepEqual(
    picked.map((e) => [e.roomId, e.trackId, e.reason]),
    [['first-room', pick.trackId, 'start']],
  );
  assert.equal(music.story('first-room'), null, 'nothing is audible yet');

  // The stream says it became audible: the room is told, with the pick's story.
  const track = {
    trackId: pick.trackId,
    title: pick.title,
    artist: null,
    durationS: 200,
    explanation: pick.explanation,
    valence: pick.valence,
    arousal: pick.arousal,
    bpm: 100,
    key: 'C',
  };
  bus.emit('trackStarted', { roomId: 'first-room', track, reason: 'start', audibleAtMs: Date.now() });
  assert.equal(announced.length, 1);
  assert.equal(announced[0]!.trackId, pick.trackId);
  assert.equal(announced[0]!.story.sentence, pick.story.sentence);
  assert.deepEqual(music.story('first-room'), announced[0]!.story);
  // The stream stopped: nothing is told about the room any more.
  bus.emit('streamStopped', { roomId: 'first-room' });
  assert.equal(music.story('first-room'), null);
  await registry.leave(peer);
});

test('nobody in the room (a listener-only stream): the first pick goes at once, at neutral', async () => {
  const started = Date.now();
  const pick = await music.next('listen-only', 'start');
  assert.ok(Date.now() - started < 2000, 'the first pick did not wait for a reading');
  assert.match(pick.explanation, /neutral/);
  assert.equal(music.musicTarget('listen-only', null), null, 'no mood and no journey: no target');
  assert.ok(music.musicTarget('listen-only', { valence: 0.5, arousal: 0.5 }));
});

test('the music keeps the last mood it knew while the room is only listening; an empty room is neutral', () => {
  bus.emit(
    'roomMood',
    roomMood(
      'mood-room',
      { emotion: 'sad', confidence: 0.7, valence: -0.6, arousal: -0.3 },
      {
        overrides: [{ participantId: 'p1', userId: 'u1', emotion: 'sad', until: 123, displayName: 'Ana' }],
      },
    ),
  );
  assert.deepEqual(music.roomMood('mood-room'), {
    emotion: 'sad',
    confidence: 0.7,
    valence: -0.6,
    arousal: -0.3,
    members: 1,
    agreeing: 1,
    status: 'mood',
    overrides: [{ emotion: 'sad', until: 123, displayName: 'Ana' }],
  });
  bus.emit('roomMood', roomMood('mood-room', { emotion: 'neutral', confidence: 0, valence: 0, arousal: 0 }, { status: 'listening' }));
  assert.equal(music.roomMood('mood-room').emotion, 'sad', 'listening, with no cause: the last mood holds');
  bus.emit('roomMood', roomMood('mood-room', { emotion: 'neutral', confidence: 0, valence: 0, arousal: 0 }, { status: 'empty' }));
  assert.deepEqual(music.roomMood('mood-room'), { emotion: 'neutral', confidence: 0, valence: 0, arousal: 0, status: 'empty' });
  assert.deepEqual(music.roomMood('never-seen'), { emotion: 'neutral', confidence: 0, valence: 0, arousal: 0 });
});

test("the owner's strategy steers their room; a room without one follows its one member; presence comes from the registry", async () => {
  const strategy = (roomId: string) => director.strategyOf(roomSession(roomId));
  const inOwned = await join(ownedRoomId, memberId);
  await waitFor(() => strategy(ownedRoomId) === 'calm', "the owner's strategy in their room");
  const inJam = await join('jam', memberId);
  await waitFor(() => strategy('jam') === 'lift', "the sole member's strategy");

  // The member changes their strategy: the room they are alone in follows; the owned room does not.
  bus.emit('userSettingsChanged', { userId: memberId, strategy: 'match', moodOverride: null });
  await waitFor(() => strategy('jam') === 'match', 'the new strategy');
  assert.equal(strategy(ownedRoomId), 'calm');

  // With someone else in the room, the member is no longer the one who steers it.
  const guest = await join('jam');
  bus.emit('userSettingsChanged', { userId: memberId, strategy: 'calm', moodOverride: null });
  bus.emit('userSettingsChanged', { userId: ownerId, strategy: 'lift', moodOverride: null });
  await waitFor(() => strategy(ownedRoomId) === 'lift', "the owner's new strategy");
  assert.equal(strategy('jam'), 'match');

  // Everyone left: the next one in applies their stored strategy again.
  await registry.leave(guest);
  await registry.leave(inJam);
  const back = await join('jam', memberId);
  await waitFor(() => strategy('jam') === 'lift', 'the stored strategy on return');
  await registry.leave(back);
  await registry.leave(inOwned);
});

test("a listener's feedback is stored for them", async () => {
  const pick = await music.next('feedback-room', 'next');
  await music.recordFeedback({ roomId: 'feedback-room', trackId: pick.trackId, listenerId: 'lid:abc', kind: 'like' });
  const rows = await database.db.select().from(feedback).where(eq(feedback.userId, 'lid:abc'));
  assert.deepEqual(
    rows.map((r) => [r.trackId, r.kind]),
    [[pick.trackId, 'like']],
  );
});
