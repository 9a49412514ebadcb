/** The director on a real embedded PostgreSQL: plays and feedback are stored and change later picks. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { eq } from 'drizzle-orm';

import { type Database, openDatabase } from '../../server/database.js';
import { MusicDirector, UnknownTrackError } from '../../server/music/director.js';
import { feedback, plays, trackFeatures, tracks } from '../../sql/schema.js';

/** One listener's own session key (the format server/accounts/personal-data.ts deletes with the user). */
const listenerSession = (userId: string) => `listener:${userId}`;

let dir: string;
let database: Database;
const sad = { emotion: 'sad', confidence: 0.72, valence: -0.63, arousal: -0.27 };

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'moodify-director-'));
  database = await openDatabase({ dataDir: dir });
  await database.migrate();
  // Three tracks around the sad corner, nearest first.
  const points = [
    { title: 'Nearest', valence: -0.6, arousal: -0.3, bpm: 80 },
    { title: 'Second', valence: -0.45, arousal: -0.2, bpm: 84 },
    { title: 'Third', valence: -0.3, arousal: -0.05, bpm: 90 },
  ];
  for (const [i, p] of points.entries()) {
    const [row] = await database.db
      .insert(tracks)
      .values({
        filePath: `/lib/${i}.ogg`,
        audioHash: `h${i}`,
        fileSize: 1,
        fileMtimeMs: 1,
        title: p.title,
        durationS: 200,
        origin: 'import',
      })
      .returning({ id: tracks.id });
    await database.db.insert(trackFeatures).values({
      trackId: row!.id,
      bpm: p.bpm,
      key: 'D',
      mode: 'minor',
      keyConfidence: 0.8,
      loudnessLufs: -16,
      energy: 0.1,
      spectralCentroidHz: 1200,
      valence: p.valence,
      arousal: p.arousal,
      emotion: 'sad',
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

test("feedback is stored and changes that user's later picks (and only theirs)", async () => {
  let now = 0;
  const director = new MusicDirector(database.db, { now: () => now });
  await director.reloadCatalog();
  const first = (await director.next({ sessionKey: listenerSession('alice'), mood: sad, userIds: ['alice'] }))!;
  assert.equal(first.title, 'Nearest');
  assert.match(first.explanation, /^you seemed sad \(0\.72\) → match: dark low-arousal track in D minor, 80 BPM/);
  assert.equal(first.filePath, '/lib/0.ogg');
  assert.equal(first.loudnessLufs, -16);
  await director.recordFeedback('alice', first.trackId, 'dislike');
  const stored = await database.db.select().from(feedback).where(eq(feedback.userId, 'alice'));
  assert.deepEqual(
    stored.map((r) => r.kind),
    ['dislike'],
  );
  await assert.rejects(director.recordFeedback('alice', '00000000-0000-0000-0000-000000000000', 'like'), UnknownTrackError);

  // A fresh director (a restarted server) reads feedback and play history back from the database.
  now = 3 * 3600_000; // outside the freshness window
  const restarted = new MusicDirector(database.db, { now: () => now });
  await restarted.reloadCatalog();
  const alice = (await restarted.next({ sessionKey: listenerSession('alice'), mood: sad, userIds: ['alice'] }))!;
  assert.notEqual(alice.trackId, first.trackId, 'alice disliked it');
  const bob = (await restarted.next({ sessionKey: listenerSession('bob'), mood: sad, userIds: ['bob'] }))!;
  assert.equal(bob.trackId, first.trackId, 'bob did not');

  const plays_ = await database.db.select().from(plays);
  assert.ok(plays_.length >= 3);
  assert.ok(plays_.every((p) => p.explanation.includes('seemed sad')));
});

test('play history survives a restart: no repeat inside the freshness window', async () => {
  let now = 10 * 3600_000;
  const a = new MusicDirector(database.db, { now: () => now, recommender: { freshnessTracks: 2, freshnessMinutes: 30 } });
  await a.reloadCatalog();
  const p1 = (await a.next({ sessionKey: 'room:r1', mood: sad }))!;
  now += 60_000;
  const b = new MusicDirector(database.db, { now: () => now, recommender: { freshnessTracks: 2, freshnessMinutes: 30 } });
  await b.reloadCatalog();
  const p2 = (await b.next({ sessionKey: 'room:r1', mood: sad }))!;
  assert.notEqual(p2.trackId, p1.trackId);
  assert.match(p2.explanation, /^the room seemed sad/);
});

test('strategies are per session and validated', async () => {
  const director = new MusicDirector(database.db);
  director.setStrategy('room:x', 'calm');
  assert.equal(director.strategyOf('room:x'), 'calm');
  assert.equal(director.strategyOf('room:y'), 'match');
  assert.throws(() => director.setStrategy('room:x', 'loud' as never), /unknown strategy/);
});

test('with the database gone, picks go on (the play is logged as not stored)', async () => {
  const errors: string[] = [];
  const director = new MusicDirector(database.db, { onStorageError: (_err, what) => errors.push(what) });
  await director.reloadCatalog();
  const closing = database;
  database = undefined as unknown as Database; // closed here, not again in after()
  await closing.close();
  const pick = await director.next({ sessionKey: 'listener:carol', mood: sad, userIds: ['carol'] });
  assert.ok(pick, 'a track is still picked from the loaded catalog');
  assert.deepEqual(errors.sort(), ['feedback', 'history', 'play']);
});
