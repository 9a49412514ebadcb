/**
 * Access tokens (short-lived JWTs, HS256 via @fastify/jwt) and refresh tokens (opaque, stored
 * hashed, rotated on every use). Other areas authenticate with verifyAccessToken() only.
 */
import { randomUUID } from 'node:crypto';
import { and, eq, isNull } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import type { Db } from '../database.js';
import { refreshTokens } from '../../sql/schema.js';
import { unauthorized } from './http-error.js';
import { hashOpaqueToken, looksLikeOpaqueToken, newOpaqueToken } from './opaque-tokens.js';

export interface AccessIdentity {
  userId: string;
  displayName: string;
  guest: boolean;
}

/** What travels inside an access token. `typ` stops any other JWT we might sign from passing. */
export interface AccessTokenPayload {
  sub: string;
  name: string;
  guest: boolean;
  typ: 'access';
}

declare module '@fastify/jwt' {
  interface FastifyJWT {
    payload: AccessTokenPayload;
  }
}

export function signAccessToken(app: FastifyInstance, identity: AccessIdentity): string {
  const payload: AccessTokenPayload = { sub: identity.userId, name: identity.displayName, guest: identity.guest, typ: 'access' };
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
  return { userId: decoded.sub, displayName: decoded.name, guest: decoded.guest === true };
}

/** The bearer token of an `Authorization: Bearer …` header, if any. */
export function bearerToken(header: string | undefined): string | undefined {
  const match = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
  return match?.[1];
}

export interface IssuedRefreshToken {
  token: string;
  expiresAt: Date;
}

export async function issueRefreshToken(db: Db, userId: string, ttlDays: number, familyId: string = randomUUID()): Promise<IssuedRefreshToken> {
  const token = newOpaqueToken();
  const expiresAt = new Date(Date.now() + ttlDays * 86_400_000);
  await db.insert(refreshTokens).values({ userId, tokenHash: hashOpaqueToken(token), familyId, expiresAt });
  return { token, expiresAt };
}

/**
 * Exchanges a refresh token for a new one in the same family. A token works once: presenting an
 * already-rotated token means it was copied, so the whole family (the thief's copy and the
 * owner's current one) is revoked and both must log in again.
 */
export async function rotateRefreshToken(db: Db, token: unknown, ttlDays: number): Promise<{ userId: string } & IssuedRefreshToken> {
  if (!looksLikeOpaqueToken(token)) throw unauthorized('refresh token invalid');
  const now = new Date();
  const claimed = await db
    .update(refreshTokens)
    .set({ usedAt: now })
    .where(and(eq(refreshTokens.tokenHash, hashOpaqueToken(token)), isNull(refreshTokens.usedAt), isNull(refreshTokens.revokedAt)))
    .returning();
  const row = claimed[0];
  if (!row) {
    const [seen] = await db.select().from(refreshTokens).where(eq(refreshTokens.tokenHash, hashOpaqueToken(token)));
    if (seen) await revokeRefreshFamily(db, seen.familyId);
    throw unauthorized(seen ? 'refresh token already used; all sessions of this log-in were revoked' : 'refresh token invalid');
  }
  if (row.expiresAt <= now) throw unauthorized('refresh token expired');
  const next = await issueRefreshToken(db, row.userId, ttlDays, row.familyId);
  return { userId: row.userId, ...next };
}

export async function revokeRefreshFamily(db: Db, familyId: string): Promise<void> {
  await db.update(refreshTokens).set({ revokedAt: new Date() }).where(and(eq(refreshTokens.familyId, familyId), isNull(refreshTokens.revokedAt)));
}

/** Log-out: revokes the family of the given token; unknown tokens are ignored (idempotent). */
export async function revokeRefreshToken(db: Db, token: unknown): Promise<void> {
  if (!looksLikeOpaqueToken(token)) return;
  const [row] = await db.select().from(refreshTokens).where(eq(refreshTokens.tokenHash, hashOpaqueToken(token)));
  if (row) await revokeRefreshFamily(db, row.familyId);
}
