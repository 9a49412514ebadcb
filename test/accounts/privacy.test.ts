/**
 * "Delete my data", account deletion and the retention job, on embedded PGlite and on real
 * PostgreSQL. After deletion, every column of every table (including tables created after this
 * code was written, registered or not) is searched for the user's id and must hold none.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { test, type TestContext } from 'node:test';

import { sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';

import { rowsOf } from '../../server/accounts/db-rows.js';
import { enforceRetention, registerPersonalData } from '../../server/accounts/personal-data.js';
import { emotionSamples, feedback, plays, refreshTokens, rooms, tracks, users } from '../../sql/schema.js';
import { createScratchDatabase, postgresReachable } from '../helpers/postgres.js';
import { scanFilesForRawMedia, scanTablesForRawMedia } from './raw-media-scan.js';
import { call, type Session, signUp, startTestApp } from './test-app.js';
import { rowsReferencing } from './user-reference-scan.js';

const DAY = 86_400_000;

// Stand-ins for tables another area adds later: one registered under an unusual column name
// (with a retention time column), one not registered at all but using a user_id column.
const LATER_TABLES = [
  sql`create table if not exists later_registered_events (id serial primary key, listener text not null, at timestamptz not null)`,
  sql`create table if not exists later_unregistered_notes (id serial primary key, user_id text not null, note text not null)`,
];
registerPersonalData({ table: 'later_registered_events', userColumn: 'listener', timeColumn: 'at' });

async function insertTrack(app: FastifyInstance): Promise<string> {
  const [track] = await app.services.database.db
    .insert(tracks)
    .values({
      filePath: `/music/${crypto.randomUUID()}.ogg`,
      audioHash: crypto.randomUUID(),
      fileSize: 1,
      fileMtimeMs: 0,
      title: 'Song',
      durationS: 180,
      origin: 'import',
    })
    .returning();
  return track!.id;
}

async function insertHistory(app: FastifyInstance, userId: string, roomId: string, trackId: string, at: Date): Promise<void> {
  const db = app.services.database.db;
  await db.insert(emotionSamples).values({
    userId,
    participantId: crypto.randomUUID(),
    roomId,
    at,
    face: [0, 0, 0, 0.7, 0, 0, 0.3],
    voice: null,
    fused: [0, 0, 0, 0.7, 0, 0, 0.3],
    emotion: 'happy',
    valence: 0.7,
    arousal: 0.4,
    confidence: 0.8,
    weights: { face: 1, voice: 0 },
  });
  await db.insert(feedback).values({ userId, trackId, kind: 'like', createdAt: at });
  await db.insert(plays).values([
    {
      trackId,
      sessionKey: `listener:${userId}`,
      strategy: 'match',
      targetValence: 0.5,
      targetArousal: 0.5,
      explanation: 'because',
      startedAt: at,
    },
    {
      trackId,
      sessionKey: `room:${roomId}`,
      strategy: 'match',
      targetValence: 0.5,
      targetArousal: 0.5,
      explanation: 'because',
      startedAt: at,
    },
  ]);
  await db.execute(sql`insert into later_registered_events (listener, at) values (${userId}, ${at.toISOString()}::timestamptz)`);
  await db.execute(sql`insert into later_unregistered_notes (user_id, note) values (${userId}, 'hello')`);
}

async function count(app: FastifyInstance, query: ReturnType<typeof sql>): Promise<number> {
  return rowsOf<{ n: number }>(await app.services.database.db.execute(query))[0]!.n;
}

async function deletionScenario(t: TestContext, app: FastifyInstance): Promise<void> {
  const db = app.services.database.db;
  for (const statement of LATER_TABLES) await db.execute(statement);
  const ada = await signUp(app, 'Ada');
  const bob = await signUp(app, 'Bob');
  const adaRoom = (await call(app, 'POST', '/api/rooms', ada.accessToken, { name: 'Ada room' })).json() as { id: string };
  const bobRoom = (await call(app, 'POST', '/api/rooms', bob.accessToken, { name: 'Bob room' })).json() as { id: string };
  const invite = (await call(app, 'POST', `/api/rooms/${bobRoom.id}/invites`, bob.accessToken, {})).json() as { token: string };
  assert.equal((await call(app, 'POST', '/api/invites/accept', ada.accessToken, { token: invite.token })).statusCode, 200);
  await call(app, 'POST', `/api/rooms/${adaRoom.id}/listener-links`, ada.accessToken, {});
  await call(app, 'POST', `/api/rooms/${adaRoom.id}/invites`, ada.accessToken, {});
  await call(app, 'PUT', '/api/me/settings', ada.accessToken, {
    strategy: 'calm',
    moodOverride: { emotion: 'sad', minutes: 10 },
    consent: true,
  });
  const trackId = await insertTrack(app);
  for (const who of [ada, bob]) {
    await insertHistory(app, who.user.id, bobRoom.id, trackId, new Date());
    await insertHistory(app, who.user.id, adaRoom.id, trackId, new Date(Date.now() - DAY));
  }
  const bobBefore = await rowsReferencing(db, bob.user.id);

  await t.test('the history shows the data before it is deleted', async () => {
    const history = (await call(app, 'GET', '/api/me/history?days=7', ada.accessToken)).json() as {
      buckets: { samples: number }[];
      plays: unknown[];
      feedback: { like: number };
    };
    assert.equal(
      history.buckets.reduce((n, b) => n + b.samples, 0),
      2,
    );
    assert.equal(history.feedback.like, 2);
    assert.ok(history.plays.length >= 2);
  });

  await t.test('delete my data: every sample, play and piece of feedback goes; the account stays', async () => {
    const response = await call(app, 'DELETE', '/api/me/data', ada.accessToken);
    assert.equal(response.statusCode, 200, response.body);
    const { deleted } = response.json() as { deleted: Record<string, number> };
    assert.deepEqual(deleted, { emotion_samples: 2, feedback: 2, plays: 2, later_registered_events: 2, later_unregistered_notes: 2 });
    const left = await rowsReferencing(db, ada.user.id);
    const tablesLeft = [...new Set(left.map((r) => r.table))].sort();
    assert.deepEqual(
      tablesLeft,
      ['refresh_tokens', 'room_invites', 'room_memberships', 'rooms', 'user_settings', 'users', 'listener_links'].sort(),
    );
    const history = (await call(app, 'GET', '/api/me/history?days=7', ada.accessToken)).json() as {
      buckets: unknown[];
      feedback: { like: number };
    };
    assert.deepEqual(history.buckets, []);
    assert.equal(history.feedback.like, 0);
    assert.equal((await call(app, 'GET', '/api/me', ada.accessToken)).statusCode, 200);
  });

  await t.test('delete my account: afterwards no row in any table references the user', async () => {
    await insertHistory(app, ada.user.id, bobRoom.id, trackId, new Date());
    const response = await call(app, 'DELETE', '/api/me', ada.accessToken);
    assert.equal(response.statusCode, 200, response.body);
    assert.deepEqual(await rowsReferencing(db, ada.user.id), []);
    assert.equal(
      await count(app, sql`select count(*)::int as n from ${rooms} where id = ${adaRoom.id}`),
      0,
      'owned rooms go with the account',
    );
    assert.equal((await call(app, 'GET', '/api/me', ada.accessToken)).statusCode, 401);
    assert.equal((await call(app, 'POST', '/api/auth/refresh', undefined, { refreshToken: ada.refreshToken })).statusCode, 401);
  });

  await t.test("other users' data is untouched", async () => {
    assert.deepEqual(await rowsReferencing(db, bob.user.id), bobBefore);
    assert.equal(await count(app, sql`select count(*)::int as n from ${users} where id = ${bob.user.id}`), 1);
    assert.equal((await call(app, 'GET', `/api/rooms/${bobRoom.id}`, bob.accessToken)).statusCode, 200);
  });
}

test('delete my data and delete my account on embedded PGlite; retention job; raw-media scan', async (t) => {
  const { app, close, dataDir } = await startTestApp();
  try {
    await deletionScenario(t, app);

    await t.test('retention deletes history older than RETENTION_DAYS (30) and keeps newer rows', async () => {
      const db = app.services.database.db;
      assert.equal(app.services.config.RETENTION_DAYS, 30);
      const carol: Session = await signUp(app, 'Carol');
      const trackId = await insertTrack(app);
      await db.delete(emotionSamples);
      await db.delete(feedback);
      await db.delete(plays);
      await db.execute(sql`delete from later_registered_events`);
      for (const ageDays of [45, 31, 29, 1])
        await insertHistory(app, carol.user.id, crypto.randomUUID(), trackId, new Date(Date.now() - ageDays * DAY));
      await db
        .insert(refreshTokens)
        .values({ userId: carol.user.id, tokenHash: 'expired', familyId: crypto.randomUUID(), expiresAt: new Date(Date.now() - 1000) });

      const report = await app.retention.runNow();
      assert.deepEqual(report?.deleted, { emotion_samples: 2, feedback: 2, plays: 4, later_registered_events: 2, refresh_tokens: 1 });
      const ages = async (table: string, column: string) =>
        rowsOf<{ days: number }>(
          await db.execute(
            sql`select round(extract(epoch from now() - ${sql.identifier(column)}) / 86400)::int as days from ${sql.identifier(table)} order by 1`,
          ),
        ).map((r) => r.days);
      assert.deepEqual(await ages('emotion_samples', 'at'), [1, 29]);
      assert.deepEqual(await ages('feedback', 'created_at'), [1, 29]);
      assert.deepEqual(await ages('plays', 'started_at'), [1, 1, 29, 29]);
      assert.deepEqual(await ages('later_registered_events', 'at'), [1, 29]);
      // Carol's own log-in token survives (it has not expired).
      assert.equal((await call(app, 'POST', '/api/auth/refresh', undefined, { refreshToken: carol.refreshToken })).statusCode, 200);

      // A shorter setting deletes more; a registered table that does not exist is skipped, not an error.
      registerPersonalData({ table: 'table_nobody_created', userColumn: 'user_id', timeColumn: 'at' });
      const shorter = await enforceRetention(db, 7);
      assert.deepEqual(shorter.deleted, { emotion_samples: 1, feedback: 1, plays: 2, later_registered_events: 1 });
    });

    await t.test('no raw media in DATA_DIR or any table; the scanner does find planted ones', async () => {
      const db = app.services.database.db;
      assert.deepEqual(scanFilesForRawMedia(dataDir), []);
      assert.deepEqual(await scanTablesForRawMedia(db), []);
      // Plants: a WAV, a raw frame dump, a y4m clip; a bytea column and a frame stored as JSON.
      const plantDir = path.join(dataDir, 'cache');
      fs.mkdirSync(plantDir);
      const wav = Buffer.alloc(44 + 3200);
      wav.write('RIFF', 0, 'latin1');
      wav.write('WAVE', 8, 'latin1');
      fs.writeFileSync(path.join(plantDir, 'voice.wav'), wav);
      fs.writeFileSync(path.join(plantDir, 'frame.rgb'), crypto.randomBytes(320 * 240 * 3 * 5));
      fs.writeFileSync(path.join(plantDir, 'face.y4m'), Buffer.concat([Buffer.from('YUV4MPEG2 W320 H240 F5:1\n'), Buffer.alloc(1000)]));
      await db.execute(sql`create table planted_media (id serial primary key, blob bytea, frame jsonb)`);
      await db.execute(
        sql`insert into planted_media (blob, frame) values (decode('00010203', 'hex'), ${JSON.stringify(Array.from({ length: 20000 }, (_, i) => i % 256))}::jsonb)`,
      );
      try {
        assert.deepEqual(
          scanFilesForRawMedia(dataDir)
            .map((f) => f.where)
            .sort(),
          ['cache/face.y4m', 'cache/frame.rgb', 'cache/voice.wav'],
        );
        assert.deepEqual((await scanTablesForRawMedia(db)).map((f) => f.where).sort(), ['planted_media.blob', 'planted_media.frame']);
      } finally {
        fs.rmSync(plantDir, { recursive: true, force: true });
        await db.execute(sql`drop table planted_media`);
      }
    });
  } finally {
    await close();
  }
});

test('delete my data and delete my account on real PostgreSQL', async (t) => {
  if (!(await postgresReachable())) {
    if (process.env.CI) assert.fail('PostgreSQL must be reachable in CI');
    return t.skip('no PostgreSQL reachable at DATABASE_URL or 127.0.0.1:5432');
  }
  const scratch = await createScratchDatabase();
  const { app, close } = await startTestApp({ DATABASE_URL: scratch.url });
  try {
    assert.equal(app.services.database.kind, 'postgres');
    await deletionScenario(t, app);
  } finally {
    await close();
    await scratch.drop();
  }
});
