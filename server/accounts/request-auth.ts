/** Authenticating HTTP requests: a Bearer access token whose account still exists. */
import type { FastifyInstance, FastifyRequest } from 'fastify';

import { unauthorized } from '../http/http-error.js';
import { bearerToken, verifyAccessToken } from './tokens.js';
import { findUserById, isGuest, type UserRow } from './users.js';

export interface Account {
  user: UserRow;
  guest: boolean;
}

export async function requireAccount(app: FastifyInstance, request: FastifyRequest): Promise<Account> {
  const identity = await verifyAccessToken(app, bearerToken(request.headers.authorization));
  const user = await findUserById(app.services.database.db, identity.userId);
  // A token outlives a deleted account by up to its lifetime; the account check closes that gap.
  if (!user) throw unauthorized('account no longer exists');
  return { user, guest: isGuest(user) };
}

/** The signed-in account if a valid token came with the request, else undefined (never throws for a missing token). */
export async function optionalAccount(app: FastifyInstance, request: FastifyRequest): Promise<Account | undefined> {
  if (!request.headers.authorization) return undefined;
  return requireAccount(app, request);
}
