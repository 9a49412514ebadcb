/**
 * Access tokens (short-lived JWTs, HS256 via @fastify/jwt) and refresh tokens (opaque, stored
 * hashed, rotated on every use). Other areas authenticate with verifyAccessToken() only.
 */
import { randomUUID } from 'node:crypto';

import { and, eq, isNull, sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';

import { refreshTokens } from '../../sql/schema.js';
import type { Db } from '../database.js';
import { unauthorized } from '../http/http-error.js';
import { hashOpaqueToken, looksLikeOpaqueToken, newOpaqueToken } from './opaque-tokens.js';

export interface AccessIdentity {
  userId: string;
  displayName: string;
  guest: boolean;
  /** The log-in (refresh-token family) the token belongs to: logging out or revoking it ends the token too. */
  sessionId?: string | undefined;
}

/** What travels inside an access token. `typ` stops any other JWT we might sign from passing. */
export interface AccessTokenPayload {
  sub: string;
  name: string;
  guest: boolean;
  typ: 'access';
  sid?: string;
}

declare module '@fastify/jwt' {
  interface FastifyJWT {
    payload: AccessTokenPayload;
  }
}

export function signAccessToken(app: FastifyInstance, identity: AccessIdentity): string {
  const payload: AccessTokenPayload = {
    sub: identity.userId,
    name: identity.displayName,
    guest: identity.guest,
    typ: 'access',
    ...(identity.sessionId ? { sid: identity.sessionId } : {}),
  };
  return app.jwt.sign(payload, { expiresIn: `${app.services.config.ACCESS_TOKEN_TTL_S}s` });
}

/**
 * Checks signature, expiry and shape. Throws an error with statusCode 401 for a missing,
 * tampered, expired or foreign token. Does not look the user up: callers that need the account
 * to still exist (HTTP routes, room access) check the database themselves.
 */
export async function verifyAccessToken(app: FastifyInstance, token: string | undefined | null): Promise<AccessIdentity> {
  if (!token) throw unauthorized('access token missing');
  let decoded: Partial<AccessTokenPayload> & { exp?: number };
  try {
    decoded = app.jwt.verify<AccessTokenPayload & { exp?: number }>(token);
  } catch (err) {
    const code = (err as { code?: string }).code;
    throw unauthorized(code === 'FAST_JWT_EXPIRED' ? 'access token expired' : 'access token invalid');
  }
  if (decoded.typ !== 'access' || typeof decoded.sub !== 'string' || typeof decoded.name !== 'string' || typeof decoded.exp !== 'number') {
    throw unauthorized('access token invalid');
  }
  if (decoded.sid !== undefined && (typeof decoded.sid !== 'string' || (await sessionRevoked(app.services.database.db, decoded.sid)))) {
    throw unauthorized('this log-in has ended; sign in again');
  }
  return { userId: decoded.sub, displayName: decoded.name, guest: decoded.guest === true, sessionId: decoded.sid };
}

/**
 * Whether a log-in (refresh-token family) was revoked, or its tokens deleted with the account.
 * Asked on every request that carries an access token: answers are kept for SESSION_CHECK_TTL_MS,
 * and revocations made by this process are known at once (other processes learn within the TTL).
 */
const SESSION_CHECK_TTL_MS = 2000;
const sessionChecks = new Map<string, { revoked: boolean; at: number }>();

async function sessionRevoked(db: Db, sessionId: string): Promise<boolean> {
  const cached = sessionChecks.get(sessionId);
  if (cached && (cached.revoked || Date.now() - cached.at < SESSION_CHECK_TTL_MS)) return cached.revoked;
  if (!isUuidShape(sessionId)) return true;
  const [row] = await db
    .select({ tokens: sql<number>`count(*)::int`, revoked: sql<number>`count(${refreshTokens.revokedAt})::int` })
    .from(refreshTokens)
    .where(eq(refreshTokens.familyId, sessionId));
  const revoked = !row || row.tokens === 0 || row.revoked > 0;
  if (sessionChecks.size > 10_000) sessionChecks.clear();
  sessionChecks.set(sessionId, { revoked, at: Date.now() });
  return revoked;
}

const isUuidShape = (v: string) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(v);

/** The bearer token of an `Authorization: Bearer …` header, if any. */
export function bearerToken(header: string | undefined): string | undefined {
  const match = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
  return match?.[1];
}

export interface IssuedRefreshToken {
  token: string;
  expiresAt: Date;
  /** The log-in family (goes into access tokens as `sid`). */
  familyId: string;
}

export async function issueRefreshToken(
  db: Db,
  userId: string,
  ttlDays: number,
  familyId: string = randomUUID(),
): Promise<IssuedRefreshToken> {
  const token = newOpaqueToken();
  const expiresAt = new Date(Date.now() + ttlDays * 86_400_000);
  await db.insert(refreshTokens).values({ userId, tokenHash: hashOpaqueToken(token), familyId, expiresAt });
  return { token, expiresAt, familyId };
}

/**
 * Rotations in progress, and finished ones for `graceMs`, in this process, by token hash. Two
 * requests racing with one token (a page firing two refreshes at once) both get the first one's
 * successor instead of the second looking like a stolen token and revoking the log-in. After the
 * grace a replay is reuse, and revokes its family as before. A replay inside the grace (a thief
 * quicker than 10 s) gets the same successor as the owner, not a branch of its own: the next
 * rotation by either spends it, and the other's copy then revokes the family.
 */
const rotations = new Map<string, { result: Promise<{ userId: string } & IssuedRefreshToken>; until: number }>();

export function rotateRefreshToken(
  db: Db,
  token: unknown,
  ttlDays: number,
  graceMs = 10_000,
): Promise<{ userId: string } & IssuedRefreshToken> {
  if (!looksLikeOpaqueToken(token)) return Promise.reject(unauthorized('refresh token invalid'));
  const hash = hashOpaqueToken(token);
  const now = Date.now();
  const known = rotations.get(hash);
  if (known && known.until > now) return known.result;
  for (const [key, entry] of rotations) if (entry.until <= now) rotations.delete(key);
  const entry = { result: rotateOnce(db, token, ttlDays), until: Number.POSITIVE_INFINITY };
  rotations.set(hash, entry);
  entry.result.then(
    () => (entry.until = Date.now() + graceMs),
    () => rotations.delete(hash),
  );
  return entry.result;
}

async function rotateOnce(db: Db, token: string, ttlDays: number): Promise<{ userId: string } & IssuedRefreshToken> {
  const now = new Date();
  const claimed = await db
    .update(refreshTokens)
    .set({ usedAt: now })
    .where(and(eq(refreshTokens.tokenHash, hashOpaqueToken(token)), isNull(refreshTokens.usedAt), isNull(refreshTokens.revokedAt)))
    .returning();
  const row = claimed[0];
  if (!row) {
    const [seen] = await db
      .select()
      .from(refreshTokens)
      .where(eq(refreshTokens.tokenHash, hashOpaqueToken(token)));
    if (seen) await revokeRefreshFamily(db, seen.familyId);
    throw unauthorized(seen ? 'refresh token already used; all sessions of this log-in were revoked' : 'refresh token invalid');
  }
  if (row.expiresAt <= now) throw unauthorized('refresh token expired');
  const next = await issueRefreshToken(db, row.userId, ttlDays, row.familyId);
  return { userId: row.userId, ...next };
}

export async function revokeRefreshFamily(db: Db, familyId: string): Promise<void> {
  sessionChecks.set(familyId, { revoked: true, at: Date.now() });
  await db
    .update(refreshTokens)
    .set({ revokedAt: new Date() })
    .where(and(eq(refreshTokens.familyId, familyId), isNull(refreshTokens.revokedAt)));
}

/** Log-out: revokes the family of the given token; unknown tokens are ignored (idempotent). */
export async function revokeRefreshToken(db: Db, token: unknown): Promise<void> {
  if (!looksLikeOpaqueToken(token)) return;
  const [row] = await db
    .select()
    .from(refreshTokens)
    .where(eq(refreshTokens.tokenHash, hashOpaqueToken(token)));
  if (row) await revokeRefreshFamily(db, row.familyId);
}
