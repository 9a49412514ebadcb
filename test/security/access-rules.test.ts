/**
 * Issue #15, who-may-do-what findings: each test fails on the main before the hardening.
 * 2 feedback into another user's history, 5 a lone member's readings in the room history,
 * 6 samples of a user who never consented, 10 a guest account per signalling join, 11 a failed
 * acceptance spending an invite, 12 unknown track → 500, 15 rooms per user, 17 strategy on a
 * closed room.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, test } from 'node:test';

import { sql } from 'drizzle-orm';

import { SignallingWs } from '../../bench/lib/ws-client.js';
import { rowsOf } from '../../server/accounts/db-rows.js';
import { emotionSamples, roomMemberships } from '../../sql/schema.js';
import type { TestApp } from '../helpers/app.js';
import { waitFor } from '../helpers/server-process.js';
import { addTrack, call, roomWithLinks, signUp, startSecurityApp, wsUrl } from './harness.js';

let server: TestApp;
before(async () => {
  server = await startSecurityApp();
});
after(async () => {
  await server?.close();
});

test("2: a listener link cannot write feedback into another user's history", async () => {
  const { app } = server;
  const [owner, victim] = [await signUp(app, 'Owner'), await signUp(app, 'Victim')];
  const trackId = await addTrack(server);
  const { roomId, linkToken } = await roomWithLinks(server, owner);
  const forged = await call(app, 'POST', `/api/rooms/${roomId}/feedback?lt=${linkToken}`, undefined, {
    trackId,
    kind: 'like',
    listenerId: victim.user.id,
  });
  assert.ok(forged.statusCode < 500, forged.body);
  const history = (await call(app, 'GET', '/api/me/history', victim.accessToken)).json() as {
    feedback: { like: number };
    liked: unknown[];
  };
  assert.equal(history.feedback.like, 0, 'the victim never liked anything');
  assert.equal(history.liked.length, 0);
  // The owner's own feedback through their token is still theirs.
  assert.equal((await call(app, 'POST', `/api/rooms/${roomId}/feedback`, owner.accessToken, { trackId, kind: 'like' })).statusCode, 201);
  assert.equal(((await call(app, 'GET', '/api/me/history', owner.accessToken)).json() as { feedback: { like: number } }).feedback.like, 1);
});

test('12: feedback on an unknown track is 404 without echoing the input', async () => {
  const owner = await signUp(server.app, 'Owner');
  const { roomId } = await roomWithLinks(server, owner);
  const response = await call(server.app, 'POST', `/api/rooms/${roomId}/feedback`, owner.accessToken, {
    trackId: 'no-such-track-<script>',
    kind: 'like',
  });
  assert.equal(response.statusCode, 404, response.body);
  assert.doesNotMatch(response.body, /no-such-track|<script>/);
});

test('5: the room history hides minutes and days where only one person was sensed', async () => {
  const { app } = server;
  const owner = await signUp(app, 'Owner');
  const { roomId, inviteToken } = await roomWithLinks(server, owner);
  const guest = (await call(app, 'POST', '/api/invites/accept', undefined, { token: inviteToken, displayName: 'Later guest' })).json() as {
    accessToken: string;
  };
  const db = app.services.database.db;
  const at = new Date(Date.now() - 3 * 3_600_000);
  await db.insert(emotionSamples).values(
    Array.from({ length: 5 }, (_, i) => ({
      userId: owner.user.id,
      participantId: 'p-owner',
      roomId,
      at: new Date(at.getTime() + i * 1000),
      fused: [0, 0, 0, 1, 0, 0, 0],
      emotion: 'happy',
      valence: 0.9,
      arousal: 0.4,
      confidence: 0.9,
      weights: { face: 1, voice: 0 },
    })),
  );
  const history = (await call(app, 'GET', `/api/rooms/${roomId}/history`, guest.accessToken)).json() as {
    path: unknown[];
    buckets: unknown[];
  };
  assert.deepEqual(history.path, [], 'no per-minute valence/arousal of a lone member');
  assert.deepEqual(history.buckets, [], 'no daily mood of a lone member');
  // With a second person in the same minute, the pooled figure is shown.
  const member = await signUp(app, 'Member');
  await db.insert(roomMemberships).values({ roomId, userId: member.user.id, role: 'member' });
  await db.insert(emotionSamples).values({
    userId: member.user.id,
    participantId: 'p-member',
    roomId,
    at: new Date(at.getTime() + 2000),
    fused: [0, 0, 0, 0, 1, 0, 0],
    emotion: 'sad',
    valence: -0.5,
    arousal: -0.2,
    confidence: 0.9,
    weights: { face: 1, voice: 0 },
  });
  const pooled = (await call(app, 'GET', `/api/rooms/${roomId}/history`, guest.accessToken)).json() as {
    path: unknown[];
    buckets: unknown[];
  };
  assert.equal(pooled.path.length, 1);
  assert.equal(pooled.buckets.length, 1);
  // Their own history still shows a member everything of their own.
  assert.ok(((await call(app, 'GET', '/api/me/history', owner.accessToken)).json() as { path: unknown[] }).path.length >= 1);
});

test('6: the server stores no emotion samples for an account that never consented', async () => {
  const { app } = server;
  const [withConsent, without] = [await signUp(app, 'Consents'), await signUp(app, 'Declines')];
  assert.equal((await call(app, 'PUT', '/api/me/settings', withConsent.accessToken, { consent: true })).statusCode, 200);
  const roomId = crypto.randomUUID();
  const { mood, emotionSamples: writer } = app.services;
  const t = Date.now();
  for (const [i, user] of [withConsent, without].entries()) {
    for (let k = 0; k < 3; k++) {
      mood!.observe({
        roomId,
        participantId: `p${i}`,
        userId: user.user.id,
        modality: 'face',
        reading: { probabilities: [0, 0, 0, 0.9, 0, 0, 0.1], confidence: 0.9 },
        t: t + k * 600,
      });
    }
  }
  await waitFor(
    async () => (writer!.buffered === 0 && writer!.stats.written + writer!.stats.refused > 0 ? true : undefined),
    10000,
    'the writer to flush',
  );
  await writer!.flush();
  const counts = rowsOf<{ user_id: string; n: number }>(
    await app.services.database.db.execute(
      sql`select user_id, count(*)::int as n from emotion_samples where room_id = ${roomId} group by user_id`,
    ),
  );
  const byUser = new Map(counts.map((r) => [r.user_id, r.n]));
  assert.ok((byUser.get(withConsent.user.id) ?? 0) > 0, 'samples of the consenting user are stored');
  assert.equal(byUser.get(without.user.id) ?? 0, 0, 'none of the user who never consented');
});

test('10: join/leave cycles with one invite on one socket make one guest, not one per join', async () => {
  const { app } = server;
  const owner = await signUp(app, 'Owner');
  const { roomId, inviteToken } = await roomWithLinks(server, owner);
  const ws = await SignallingWs.connect(wsUrl(server));
  try {
    for (let i = 0; i < 10; i++) {
      await ws.request('join', { roomId, token: inviteToken, displayName: 'Cycler' });
      await ws.request('leave');
    }
  } finally {
    await ws.close();
  }
  const members = (await call(app, 'GET', `/api/rooms/${roomId}/members`, owner.accessToken)).json() as unknown[];
  assert.equal(members.length, 2, 'the owner and one guest');
});

test('11: an invite acceptance that fails does not spend a single-use invite', async () => {
  const { app } = server;
  const owner = await signUp(app, 'Owner');
  const { roomId, inviteToken } = await roomWithLinks(server, owner, { maxUses: 1 });
  // Fails after the invite was checked: a membership for a user who cannot be made (a NUL name
  // reached the database before; a database error is the general case, forced here by a trigger).
  const db = app.services.database.db;
  await db.execute(
    sql.raw(
      `create or replace function moodify_test_fail() returns trigger as $$ begin raise exception 'forced failure'; end $$ language plpgsql`,
    ),
  );
  await db.execute(
    sql.raw(
      `create trigger moodify_test_fail before insert on room_memberships for each row when (new.role = 'guest') execute function moodify_test_fail()`,
    ),
  );
  const failed = await call(app, 'POST', '/api/invites/accept', undefined, { token: inviteToken, displayName: 'First' });
  await db.execute(sql.raw('drop trigger moodify_test_fail on room_memberships'));
  assert.equal(failed.statusCode, 500, failed.body);
  assert.doesNotMatch(failed.body, /forced failure|insert into/i, 'no driver detail in the reply');
  const second = await call(app, 'POST', '/api/invites/accept', undefined, { token: inviteToken, displayName: 'Second' });
  assert.equal(second.statusCode, 201, `the single use is still there: ${second.body}`);
  const invites = (await call(app, 'GET', `/api/rooms/${roomId}/invites`, owner.accessToken)).json() as { uses: number }[];
  assert.equal(invites[0]!.uses, 1);
});

test('15: one account cannot open rooms without limit', async () => {
  const { app } = server;
  const owner = await signUp(app, 'Hoarder');
  const statuses: number[] = [];
  for (let i = 0; i < 12; i++) statuses.push((await call(app, 'POST', '/api/rooms', owner.accessToken, { name: `Room ${i}` })).statusCode);
  assert.deepEqual(statuses.slice(0, 10), Array(10).fill(201));
  assert.equal(statuses[10], 409, 'the eleventh open room is refused');
  const first = ((await call(app, 'GET', '/api/rooms', owner.accessToken)).json() as { id: string }[])[0]!;
  assert.equal((await call(app, 'POST', `/api/rooms/${first.id}/close`, owner.accessToken)).statusCode, 204);
  assert.equal((await call(app, 'POST', '/api/rooms', owner.accessToken, { name: 'After closing one' })).statusCode, 201);
});

test('17: PUT …/strategy on a closed room is 409, like PATCH', async () => {
  const { app } = server;
  const owner = await signUp(app, 'Owner');
  const { roomId } = await roomWithLinks(server, owner);
  assert.equal((await call(app, 'PUT', `/api/music/rooms/${roomId}/strategy`, owner.accessToken, { strategy: 'calm' })).statusCode, 200);
  assert.equal((await call(app, 'POST', `/api/rooms/${roomId}/close`, owner.accessToken)).statusCode, 204);
  assert.equal((await call(app, 'PUT', `/api/music/rooms/${roomId}/strategy`, owner.accessToken, { strategy: 'lift' })).statusCode, 409);
  assert.equal((await call(app, 'PATCH', `/api/rooms/${roomId}`, owner.accessToken, { name: 'x' })).statusCode, 409);
});
