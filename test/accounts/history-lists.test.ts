/**
 * /api/me/history's track lists: plays with the user's feedback on them, and the tracks the user
 * liked and skipped, including feedback a signed-in listener gave through the stream's routes
 * (stored under `user:<id>`). Another user's feedback never shows.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { test } from 'node:test';

import type { FastifyInstance } from 'fastify';

import { feedback, plays, tracks } from '../../sql/schema.js';
import type { HistoryReply } from '../../vocabulary/history.js';
import { call, signUp, startTestApp } from './test-app.js';

async function insertTrack(app: FastifyInstance, title: string): Promise<string> {
  const [track] = await app.services.database.db
    .insert(tracks)
    .values({
      filePath: `/music/${crypto.randomUUID()}.ogg`,
      audioHash: crypto.randomUUID(),
      fileSize: 1,
      fileMtimeMs: 0,
      title,
      durationS: 180,
      origin: 'import',
    })
    .returning();
  return track!.id;
}

test('history lists the tracks played, liked and skipped by the user only', async () => {
  const server = await startTestApp();
  try {
    const { app } = server;
    const db = app.services.database.db;
    const ada = await signUp(app, 'Ada');
    const bob = await signUp(app, 'Bob');
    const room = (await call(app, 'POST', '/api/rooms', ada.accessToken, { name: 'Ada room' })).json() as { id: string };
    const [sunny, rainy, other] = [await insertTrack(app, 'Sunny'), await insertTrack(app, 'Rainy'), await insertTrack(app, 'Other')];
    const now = Date.now();
    await db.insert(plays).values([
      {
        trackId: sunny!,
        sessionKey: `room:${room.id}`,
        strategy: 'match',
        targetValence: 0.5,
        targetArousal: 0.5,
        explanation: 'the room seemed happy',
        startedAt: new Date(now - 120_000),
      },
      {
        trackId: rainy!,
        sessionKey: `room:${room.id}`,
        strategy: 'lift',
        targetValence: -0.2,
        targetArousal: 0,
        explanation: 'you set your mood to sad',
        startedAt: new Date(now - 60_000),
      },
    ]);
    await db.insert(feedback).values([
      { userId: ada.user.id, trackId: sunny!, kind: 'like', createdAt: new Date(now - 100_000) },
      // The stream's skip route keys a signed-in member as user:<id>.
      { userId: `user:${ada.user.id}`, trackId: rainy!, kind: 'skip', createdAt: new Date(now - 30_000) },
      { userId: bob.user.id, trackId: other!, kind: 'like', createdAt: new Date(now - 30_000) },
      { userId: `user:${bob.user.id}`, trackId: sunny!, kind: 'skip', createdAt: new Date(now - 30_000) },
    ]);

    const response = await call(app, 'GET', '/api/me/history?days=1&bucket=week', ada.accessToken);
    assert.equal(response.statusCode, 200, response.body);
    const history = response.json() as HistoryReply;
    assert.equal(history.bucket, 'week');
    assert.deepEqual(
      history.plays.map((p) => [p.title, p.feedback]),
      [
        ['Rainy', ['skip']],
        ['Sunny', ['like']],
      ],
    );
    assert.deepEqual(
      history.liked.map((t) => t.title),
      ['Sunny'],
    );
    assert.deepEqual(
      history.skipped.map((t) => [t.title, t.kinds]),
      [['Rainy', ['skip']]],
    );
    assert.deepEqual(history.feedback, { like: 1, skip: 1, dislike: 0 });

    const bobs = (await call(app, 'GET', '/api/me/history?days=1', bob.accessToken)).json() as HistoryReply;
    assert.deepEqual(
      bobs.liked.map((t) => t.title),
      ['Other'],
    );
    assert.deepEqual(
      bobs.skipped.map((t) => t.title),
      ['Sunny'],
    );
    assert.deepEqual(bobs.plays, [], 'Bob is not a member of Ada’s room');
  } finally {
    await server.close();
  }
});
