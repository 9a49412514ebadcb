/**
 * Sign-up, log-in, token refresh and log-out. Every route here is rate-limited per client
 * address (AUTH_RATE_LIMIT_MAX per minute) on top of the global limit: password guessing and
 * account creation are the expensive, abusable ones.
 */
import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';

import { users } from '../../../sql/schema.js';
import type { Db } from '../../database.js';
import { conflict, HttpError, unauthorized } from '../../http/http-error.js';
import type { AuthThrottle } from '../auth-throttle.js';
import { cleanName } from '../display-names.js';
import { hashPassword, PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH, passwordProblem, verifyPassword } from '../passwords.js';
import { type IssuedRefreshToken, issueRefreshToken, revokeRefreshToken, rotateRefreshToken, signAccessToken } from '../tokens.js';
import { findUserByEmail, findUserById, isGuest, type UserRow } from '../users.js';

const Email = Type.String({ minLength: 3, maxLength: 254, pattern: '^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$' });
const Password = Type.String({ minLength: PASSWORD_MIN_LENGTH, maxLength: PASSWORD_MAX_LENGTH });
export const DisplayName = Type.String({ minLength: 1, maxLength: 60, pattern: '\\S' });
const OpaqueToken = Type.String({ minLength: 1, maxLength: 200 });

const SignUpBody = Type.Object({ email: Email, password: Password, displayName: DisplayName }, { additionalProperties: false });
const LogInBody = Type.Object(
  { email: Email, password: Type.String({ minLength: 1, maxLength: PASSWORD_MAX_LENGTH }) },
  { additionalProperties: false },
);
const RefreshBody = Type.Object({ refreshToken: OpaqueToken }, { additionalProperties: false });

export function publicUser(user: UserRow) {
  return { id: user.id, displayName: user.displayName, email: user.email, guest: isGuest(user) };
}

/**
 * The answer to every successful sign-up, log-in, refresh and invite acceptance. A new refresh
 * token (a new log-in family) is issued unless the caller already rotated one (`rotated`).
 */
export async function sessionFor(app: FastifyInstance, db: Db, user: UserRow, rotated?: IssuedRefreshToken) {
  const { config } = app.services;
  const refresh = rotated ?? (await issueRefreshToken(db, user.id, config.REFRESH_TOKEN_TTL_DAYS));
  return {
    user: publicUser(user),
    // sid: logging out (or a revoked family) ends this access token too, not only the refresh token.
    accessToken: signAccessToken(app, {
      userId: user.id,
      displayName: user.displayName,
      guest: isGuest(user),
      sessionId: refresh.familyId,
    }),
    accessTokenExpiresIn: config.ACCESS_TOKEN_TTL_S,
    refreshToken: refresh.token,
    refreshTokenExpiresAt: refresh.expiresAt.toISOString(),
  };
}

function isUniqueViolation(err: unknown): boolean {
  for (let e: unknown = err; e; e = (e as { cause?: unknown }).cause) {
    if ((e as { code?: string }).code === '23505') return true;
  }
  return false;
}

export const authRoutes: FastifyPluginAsync<{ throttle: AuthThrottle }> = async (app, { throttle }) => {
  const { config, database } = app.services;
  const db = database.db;
  const rateLimit = { max: config.AUTH_RATE_LIMIT_MAX, timeWindow: '1 minute' };
  // Every route here also draws on one budget per address shared with invite acceptance.
  app.addHook('preHandler', throttle.perAddress);

  app.post<{ Body: Static<typeof SignUpBody> }>(
    '/signup',
    { schema: { body: SignUpBody }, config: { rateLimit } },
    async (request, reply) => {
      const { email, password } = request.body;
      const displayName = cleanName(request.body.displayName);
      if (!displayName) throw new HttpError(400, 'the display name needs at least one visible character');
      const weak = passwordProblem(password, email);
      if (weak) throw new HttpError(400, weak);
      if (await findUserByEmail(db, email)) throw conflict('an account with this e-mail address exists');
      const passwordHash = await hashPassword(password);
      let user: UserRow;
      try {
        [user] = (await db.insert(users).values({ email: email.trim(), displayName, passwordHash }).returning()) as [UserRow];
      } catch (err) {
        if (isUniqueViolation(err)) throw conflict('an account with this e-mail address exists');
        throw err;
      }
      return reply.code(201).send(await sessionFor(app, db, user));
    },
  );

  app.post<{ Body: Static<typeof LogInBody> }>('/login', { schema: { body: LogInBody }, config: { rateLimit } }, async (request, reply) => {
    const { email } = request.body;
    throttle.checkLogin(email, reply);
    const user = await findUserByEmail(db, email);
    // One message for both cases: which e-mail addresses have accounts is nobody's business.
    if (!(await verifyPassword(user?.passwordHash, request.body.password)) || !user) {
      throttle.loginFailed(email);
      throw unauthorized('e-mail or password wrong');
    }
    throttle.loginSucceeded(email);
    return sessionFor(app, db, user);
  });

  app.post<{ Body: Static<typeof RefreshBody> }>('/refresh', { schema: { body: RefreshBody }, config: { rateLimit } }, async (request) => {
    const rotated = await rotateRefreshToken(
      db,
      request.body.refreshToken,
      config.REFRESH_TOKEN_TTL_DAYS,
      config.REFRESH_REUSE_GRACE_S * 1000,
    );
    const user = await findUserById(db, rotated.userId);
    if (!user) throw unauthorized('account no longer exists');
    return sessionFor(app, db, user, rotated);
  });

  app.post<{ Body: Static<typeof RefreshBody> }>(
    '/logout',
    { schema: { body: RefreshBody }, config: { rateLimit } },
    async (request, reply) => {
      await revokeRefreshToken(db, request.body.refreshToken);
      return reply.code(204).send();
    },
  );
};
