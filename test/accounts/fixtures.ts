/**
 * Cheap fixtures for access tests: users and rooms inserted straight into the database (one
 * argon2 hash shared by all accounts, computed once), tokens signed by the app itself, and
 * hand-made bad JWTs (built with node:crypto, independent of the JWT library under test).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

import type { FastifyInstance } from 'fastify';

import { hashOpaqueToken, newOpaqueToken } from '../../server/accounts/opaque-tokens.js';
import { hashPassword } from '../../server/accounts/passwords.js';
import { signAccessToken } from '../../server/accounts/tokens.js';
import { listenerLinks, roomInvites, roomMemberships, rooms, users } from '../../sql/schema.js';

export const PASSWORD = 'correct horse battery';
let sharedHash: Promise<string> | undefined;

export interface FixtureUser {
  id: string;
  email: string | null;
  token: string;
}

export async function insertUser(app: FastifyInstance, displayName: string, guest = false): Promise<FixtureUser> {
  sharedHash ??= hashPassword(PASSWORD);
  const email = guest ? null : `${displayName.toLowerCase()}.${crypto.randomUUID()}@example.org`;
  const [row] = await app.services.database.db
    .insert(users)
    .values({ displayName, email, passwordHash: guest ? null : await sharedHash })
    .returning();
  return { id: row!.id, email, token: signAccessToken(app, { userId: row!.id, displayName, guest }) };
}

export interface RoomFixture {
  otherUser: FixtureUser;
  guest: FixtureUser;
  member: FixtureUser;
  otherMember: FixtureUser;
  owner: FixtureUser;
  roomId: string;
  closedRoomId: string;
  inviteId: string;
  inviteToken: string;
  revokedInviteToken: string;
  linkId: string;
  linkToken: string;
  revokedLinkToken: string;
}

/** Two rooms (one open, one closed) with an owner, two members and a guest; invites and listener links. */
export async function roomFixture(app: FastifyInstance): Promise<RoomFixture> {
  const db = app.services.database.db;
  const [otherUser, guest, member, otherMember, owner] = await Promise.all([
    insertUser(app, 'Outsider'),
    insertUser(app, 'Guest', true),
    insertUser(app, 'Member'),
    insertUser(app, 'Othermember'),
    insertUser(app, 'Owner'),
  ]);
  const roomIds: string[] = [];
  for (const closed of [false, true]) {
    const [room] = await db
      .insert(rooms)
      .values({
        name: closed ? 'Closed room' : 'Open room',
        slug: `r-${crypto.randomUUID()}`,
        ownerId: owner!.id,
        closedAt: closed ? new Date() : null,
      })
      .returning();
    await db.insert(roomMemberships).values([
      { roomId: room!.id, userId: owner!.id, role: 'owner' },
      { roomId: room!.id, userId: member!.id, role: 'member' },
      { roomId: room!.id, userId: otherMember!.id, role: 'member' },
      { roomId: room!.id, userId: guest!.id, role: 'guest' },
    ]);
    roomIds.push(room!.id);
  }
  const [roomId, closedRoomId] = roomIds as [string, string];
  const secrets = { invite: newOpaqueToken(), revokedInvite: newOpaqueToken(), link: newOpaqueToken(), revokedLink: newOpaqueToken() };
  const expiresAt = new Date(Date.now() + 3_600_000);
  const [invite] = await db
    .insert(roomInvites)
    .values({ roomId, tokenHash: hashOpaqueToken(secrets.invite), createdBy: owner!.id, expiresAt })
    .returning();
  await db
    .insert(roomInvites)
    .values({ roomId, tokenHash: hashOpaqueToken(secrets.revokedInvite), createdBy: owner!.id, expiresAt, revokedAt: new Date() });
  const [link] = await db
    .insert(listenerLinks)
    .values({ roomId, tokenHash: hashOpaqueToken(secrets.link), createdBy: owner!.id })
    .returning();
  await db
    .insert(listenerLinks)
    .values({ roomId, tokenHash: hashOpaqueToken(secrets.revokedLink), createdBy: owner!.id, revokedAt: new Date() });
  return {
    otherUser: otherUser!,
    guest: guest!,
    member: member!,
    otherMember: otherMember!,
    owner: owner!,
    roomId,
    closedRoomId,
    inviteId: invite!.id,
    inviteToken: secrets.invite,
    revokedInviteToken: secrets.revokedInvite,
    linkId: link!.id,
    linkToken: secrets.link,
    revokedLinkToken: secrets.revokedLink,
  };
}

const b64 = (value: object | string) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

export function craftJwt(payload: object, secret: string | null, alg = 'HS256'): string {
  const head = `${b64({ alg, typ: 'JWT' })}.${b64(payload)}`;
  const signature = secret === null ? '' : crypto.createHmac('sha256', secret).update(head).digest('base64url');
  return `${head}.${signature}`;
}

export function storedJwtSecret(dataDir: string): string {
  return fs.readFileSync(path.join(dataDir, 'jwt-secret'), 'utf8').trim();
}

/**
 * Access tokens that must all be rejected with 401, for the given user: each named by what is
 * wrong with it. `valid` is a genuine token of that user, used to make the tampered one.
 */
export function badTokens(user: { id: string; token: string }, secret: string, otherUserId: string): Record<string, string> {
  const now = Math.floor(Date.now() / 1000);
  const claims = { sub: user.id, name: 'Eve', guest: false, typ: 'access' };
  const [head, body, signature] = user.token.split('.') as [string, string, string];
  const payload = JSON.parse(Buffer.from(body, 'base64url').toString()) as Record<string, unknown>;
  return {
    'tampered payload (other user id, old signature)': `${head}.${b64({ ...payload, sub: otherUserId })}.${signature}`,
    'tampered signature': `${head}.${body}.${signature.slice(0, -4)}${signature.endsWith('AAAA') ? 'BBBB' : 'AAAA'}`,
    expired: craftJwt({ ...claims, iat: now - 3600, exp: now - 60 }, secret),
    'alg none': craftJwt({ ...claims, iat: now, exp: now + 600 }, null, 'none'),
    'signed with another secret': craftJwt({ ...claims, iat: now, exp: now + 600 }, crypto.randomBytes(32).toString('hex')),
    'no expiry': craftJwt({ ...claims, iat: now }, secret),
    'not an access token (typ missing)': craftJwt({ sub: user.id, name: 'Eve', iat: now, exp: now + 600 }, secret),
    'not a JWT': 'not-a-jwt',
  };
}
