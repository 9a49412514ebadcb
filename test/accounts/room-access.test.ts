/**
 * The room-access functions other areas call (authorizeRoomJoin, authorizeListener,
 * isRoomMember) and the owner's controls (remove member, revoke listener link, close room), with
 * the events they announce — on the real app with PGlite.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { authorizeListener, authorizeRoomJoin, isRoomMember } from '../../server/accounts/room-access.js';
import { badTokens, type RoomFixture, roomFixture, storedJwtSecret } from './fixtures.js';
import { call, type Session, startTestApp, type TestApp } from './test-app.js';

let t: TestApp;
before(async () => {
  t = await startTestApp();
});
after(() => t?.close());

const status = (statusCode: number) => (err: { statusCode?: number }) => {
  assert.equal(err.statusCode, statusCode, String(err));
  return true;
};

test('authorizeRoomJoin: members in, others out, with the documented statuses', async () => {
  const f = await roomFixture(t.app);
  const { app } = t;
  assert.deepEqual(await authorizeRoomJoin(app, { token: f.owner.token, roomId: f.roomId }), {
    userId: f.owner.id,
    displayName: 'Owner',
    role: 'owner',
  });
  assert.equal((await authorizeRoomJoin(app, { token: f.member.token, roomId: f.roomId })).role, 'member');
  assert.equal((await authorizeRoomJoin(app, { token: f.guest.token, roomId: f.roomId })).role, 'guest');
  await assert.rejects(authorizeRoomJoin(app, { token: f.otherUser.token, roomId: f.roomId }), status(403));
  await assert.rejects(authorizeRoomJoin(app, { roomId: f.roomId }), status(401));
  for (const bad of Object.values(badTokens(f.member, storedJwtSecret(t.dataDir), f.owner.id))) {
    await assert.rejects(authorizeRoomJoin(app, { token: bad, roomId: f.roomId }), status(401));
  }
  await assert.rejects(authorizeRoomJoin(app, { token: f.member.token, roomId: '7d0b7d8c-1111-4111-8111-111111111111' }), status(404));
  await assert.rejects(authorizeRoomJoin(app, { token: f.member.token, roomId: 'not-a-uuid' }), status(404));
  await assert.rejects(authorizeRoomJoin(app, { token: f.owner.token, roomId: f.closedRoomId }), status(404));
});

test('authorizeRoomJoin admits a guest with a valid invite token for that room only', async () => {
  const f = await roomFixture(t.app);
  const other = await roomFixture(t.app);
  const guest = await authorizeRoomJoin(t.app, { token: f.inviteToken, roomId: f.roomId, displayName: 'Visitor' });
  assert.equal(guest.role, 'guest');
  assert.equal(guest.displayName, 'Visitor');
  assert.equal(await isRoomMember(t.app, guest.userId, f.roomId), true);
  await assert.rejects(authorizeRoomJoin(t.app, { token: f.inviteToken, roomId: other.roomId }), status(403));
  await assert.rejects(authorizeRoomJoin(t.app, { token: f.revokedInviteToken, roomId: f.roomId }), status(403));
  await assert.rejects(authorizeRoomJoin(t.app, { token: f.inviteToken, roomId: f.closedRoomId }), status(404));
});

test('invites over HTTP: guest sign-in, member join, use limit, revocation', async () => {
  const f = await roomFixture(t.app);
  const created = await call(t.app, 'POST', `/api/rooms/${f.roomId}/invites`, f.owner.token, { maxUses: 1, expiresInHours: 1 });
  assert.equal(created.statusCode, 201);
  const { token, id } = created.json() as { token: string; id: string };
  const accepted = await call(t.app, 'POST', '/api/invites/accept', undefined, { token, displayName: 'Carol' });
  assert.equal(accepted.statusCode, 201);
  const carol = accepted.json() as Session & { roomId: string; role: string };
  assert.equal(carol.role, 'guest');
  assert.equal(carol.user.guest, true);
  assert.equal((await authorizeRoomJoin(t.app, { token: carol.accessToken, roomId: f.roomId })).role, 'guest');
  // Used up: the next person is turned away like with any invalid link.
  assert.equal((await call(t.app, 'POST', '/api/invites/accept', undefined, { token })).statusCode, 404);
  // A signed-in user accepting an unlimited invite becomes a member.
  const open = (await call(t.app, 'POST', `/api/rooms/${f.roomId}/invites`, f.owner.token, {})).json() as { token: string; id: string };
  const joined = await call(t.app, 'POST', '/api/invites/accept', f.otherUser.token, { token: open.token });
  assert.equal(joined.statusCode, 200);
  assert.equal(joined.json().role, 'member');
  assert.equal(await isRoomMember(t.app, f.otherUser.id, f.roomId), true);
  // Revoked: 404 from then on.
  assert.equal((await call(t.app, 'DELETE', `/api/rooms/${f.roomId}/invites/${open.id}`, f.owner.token)).statusCode, 204);
  assert.equal((await call(t.app, 'POST', '/api/invites/accept', undefined, { token: open.token })).statusCode, 404);
  const listed = (await call(t.app, 'GET', `/api/rooms/${f.roomId}/invites`, f.owner.token)).json() as {
    id: string;
    uses: number;
    revokedAt: string | null;
  }[];
  assert.equal(listed.find((i) => i.id === id)!.uses, 1);
  assert.ok(listed.find((i) => i.id === open.id)!.revokedAt);
  assert.ok(!JSON.stringify(listed).includes(open.token), 'the token is shown once, at creation');
});

test('owner removes a member: membership, joins and history access end, and signalling is told', async () => {
  const f = await roomFixture(t.app);
  const removed: unknown[] = [];
  const onRemoved = (e: unknown) => removed.push(e);
  t.app.services.events.on('roomMemberRemoved', onRemoved);
  try {
    assert.equal((await call(t.app, 'DELETE', `/api/rooms/${f.roomId}/members/${f.member.id}`, f.owner.token)).statusCode, 204);
    assert.deepEqual(removed, [{ roomId: f.roomId, userId: f.member.id }]);
    assert.equal(await isRoomMember(t.app, f.member.id, f.roomId), false);
    await assert.rejects(authorizeRoomJoin(t.app, { token: f.member.token, roomId: f.roomId }), status(403));
    assert.equal((await call(t.app, 'GET', `/api/rooms/${f.roomId}/history`, f.member.token)).statusCode, 403);
    assert.equal((await call(t.app, 'DELETE', `/api/rooms/${f.roomId}/members/${f.member.id}`, f.owner.token)).statusCode, 404);
  } finally {
    t.app.services.events.off('roomMemberRemoved', onRemoved);
  }
});

test('listener links: work for anyone holding them until revoked; members listen with their token', async () => {
  const f = await roomFixture(t.app);
  const created = (
    await call(t.app, 'POST', `/api/rooms/${f.roomId}/listener-links`, f.owner.token, { label: 'kitchen speaker' })
  ).json() as { id: string; token: string };
  assert.deepEqual(await authorizeListener(t.app, { roomId: f.roomId, listenToken: created.token }), {
    roomId: f.roomId,
    via: 'link',
    linkId: created.id,
  });
  assert.equal((await authorizeListener(t.app, { roomId: f.roomId, accessToken: f.member.token })).via, 'member');
  await assert.rejects(authorizeListener(t.app, { roomId: f.roomId, accessToken: f.otherUser.token }), status(403));
  await assert.rejects(authorizeListener(t.app, { roomId: f.roomId }), status(401));
  await assert.rejects(authorizeListener(t.app, { roomId: f.otherMember.id, listenToken: created.token }), status(404));
  const revoked: unknown[] = [];
  const onRevoked = (e: unknown) => revoked.push(e);
  t.app.services.events.on('listenerLinkRevoked', onRevoked);
  try {
    assert.equal((await call(t.app, 'DELETE', `/api/rooms/${f.roomId}/listener-links/${created.id}`, f.owner.token)).statusCode, 204);
  } finally {
    t.app.services.events.off('listenerLinkRevoked', onRevoked);
  }
  assert.deepEqual(revoked, [{ roomId: f.roomId, linkId: created.id }]);
  await assert.rejects(authorizeListener(t.app, { roomId: f.roomId, listenToken: created.token }), status(403));
  assert.equal((await call(t.app, 'GET', `/api/rooms/${f.roomId}/listener-access?token=${created.token}`)).statusCode, 403);
});

test('closing a room: no more joins, listeners or invites; members keep reading its history', async () => {
  const f = await roomFixture(t.app);
  const closed: unknown[] = [];
  const onClosed = (e: unknown) => closed.push(e);
  t.app.services.events.on('roomClosedByOwner', onClosed);
  try {
    assert.equal((await call(t.app, 'POST', `/api/rooms/${f.roomId}/close`, f.owner.token)).statusCode, 204);
  } finally {
    t.app.services.events.off('roomClosedByOwner', onClosed);
  }
  assert.deepEqual(closed, [{ roomId: f.roomId }]);
  await assert.rejects(authorizeRoomJoin(t.app, { token: f.member.token, roomId: f.roomId }), status(404));
  await assert.rejects(authorizeListener(t.app, { roomId: f.roomId, listenToken: f.linkToken }), status(404));
  assert.equal((await call(t.app, 'POST', '/api/invites/accept', undefined, { token: f.inviteToken })).statusCode, 404);
  assert.equal((await call(t.app, 'POST', `/api/rooms/${f.roomId}/invites`, f.owner.token, {})).statusCode, 409);
  assert.equal((await call(t.app, 'GET', `/api/rooms/${f.roomId}/history`, f.member.token)).statusCode, 200);
  const room = (await call(t.app, 'GET', `/api/rooms/${f.roomId}`, f.member.token)).json() as { closedAt: string | null };
  assert.ok(room.closedAt);
});

test('rooms: create, list, rename; guests cannot create rooms; bad ids answer 404, not 500', async () => {
  const f: RoomFixture = await roomFixture(t.app);
  const created = await call(t.app, 'POST', '/api/rooms', f.member.token, { name: '  Friday night  ' });
  assert.equal(created.statusCode, 201);
  const room = created.json() as { id: string; name: string; slug: string; role: string };
  assert.equal(room.name, 'Friday night');
  assert.match(room.slug, /^friday-night-[0-9a-f]{8}$/);
  const mine = (await call(t.app, 'GET', '/api/rooms', f.member.token)).json() as { id: string; role: string }[];
  assert.deepEqual(mine.map((r) => r.role).sort(), ['member', 'member', 'owner']);
  assert.equal((await call(t.app, 'PATCH', `/api/rooms/${room.id}`, f.member.token, { name: 'Saturday' })).json().name, 'Saturday');
  assert.equal((await call(t.app, 'POST', '/api/rooms', f.guest.token, { name: 'Mine' })).statusCode, 403);
  for (const id of ['nope', '1', "'; drop table rooms; --", '00000000-0000-0000-0000-00000000000g']) {
    assert.equal((await call(t.app, 'GET', `/api/rooms/${encodeURIComponent(id)}`, f.member.token)).statusCode, 404, id);
  }
  assert.equal((await call(t.app, 'DELETE', `/api/rooms/${f.roomId}/members/nope`, f.owner.token)).statusCode, 404);
  assert.equal((await call(t.app, 'POST', '/api/rooms', f.member.token, { name: '' })).statusCode, 400);
});

test('settings: strategy, a mood override that runs out, consent; changes are announced; bad values 400', async () => {
  const { getUserSettings } = await import('../../server/accounts/user-settings.js');
  const f = await roomFixture(t.app);
  const changes: unknown[] = [];
  const onChange = (e: unknown) => changes.push(e);
  t.app.services.events.on('userSettingsChanged', onChange);
  try {
    const saved = await call(t.app, 'PUT', '/api/me/settings', f.member.token, {
      strategy: 'lift',
      moodOverride: { emotion: 'happy', minutes: 10 },
      consent: true,
    });
    assert.equal(saved.statusCode, 200, saved.body);
    const settings = await getUserSettings(t.app, f.member.id);
    assert.equal(settings.strategy, 'lift');
    assert.equal(settings.moodOverride?.emotion, 'happy');
    const minutesLeft = (Date.parse(settings.moodOverride!.until) - Date.now()) / 60_000;
    assert.ok(minutesLeft > 9 && minutesLeft <= 10, `override runs ~10 min (${minutesLeft})`);
    assert.ok(settings.consentedAt);
    assert.deepEqual(changes, [{ userId: f.member.id, strategy: 'lift', moodOverride: settings.moodOverride }]);
    // Cleared explicitly; the strategy stays.
    const cleared = (await call(t.app, 'PUT', '/api/me/settings', f.member.token, { moodOverride: null })).json();
    assert.deepEqual([cleared.strategy, cleared.moodOverride], ['lift', null]);
  } finally {
    t.app.services.events.off('userSettingsChanged', onChange);
  }
  // An override whose time has passed reads as none.
  const { settingsView } = await import('../../server/accounts/user-settings.js');
  const past = settingsView({
    userId: f.member.id,
    strategy: 'calm',
    moodOverride: 'sad',
    moodOverrideUntil: new Date(Date.now() - 1000),
    consentedAt: null,
    updatedAt: new Date(),
  });
  assert.equal(past.moodOverride, null);
  for (const body of [
    { strategy: 'party' },
    { moodOverride: { emotion: 'ecstatic', minutes: 5 } },
    { moodOverride: { emotion: 'happy', minutes: 0 } },
  ]) {
    assert.equal((await call(t.app, 'PUT', '/api/me/settings', f.member.token, body)).statusCode, 400, JSON.stringify(body));
  }
});
