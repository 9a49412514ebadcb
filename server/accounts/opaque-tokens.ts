/**
 * Opaque bearer secrets (refresh tokens, invite links, listener links): 256 random bits, handed
 * out once, stored only as a SHA-256 hash. A fast hash is right here: the secrets are random, so
 * there is nothing to brute-force, and lookups stay one indexed equality.
 */
import crypto from 'node:crypto';

export function newOpaqueToken(): string {
  return crypto.randomBytes(32).toString('base64url');
}

export function hashOpaqueToken(token: string): string {
  return crypto.createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Cheap shape check before touching the database: 43 base64url characters. */
export function looksLikeOpaqueToken(token: unknown): token is string {
  return typeof token === 'string' && /^[A-Za-z0-9_-]{43}$/.test(token);
}
