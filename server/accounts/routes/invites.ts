/**
 * Accepting an invite link. Anonymous: a guest account is created and signed in (201).
 * Signed in: the user becomes a member of the room (200). Rate-limited like log-in, since a
 * token is a secret someone might try to guess.
 */
import { type Static, Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';

import type { AuthThrottle } from '../auth-throttle.js';
import { acceptInvite } from '../invites.js';
import { optionalAccount } from '../request-auth.js';
import { findUserById } from '../users.js';
import { DisplayName, sessionFor } from './auth.js';

const AcceptBody = Type.Object(
  { token: Type.String({ minLength: 1, maxLength: 200 }), displayName: Type.Optional(DisplayName) },
  { additionalProperties: false },
);

export const inviteRoutes: FastifyPluginAsync<{ throttle: AuthThrottle }> = async (app, { throttle }) => {
  const { config, database } = app.services;
  const db = database.db;
  const rateLimit = { max: config.AUTH_RATE_LIMIT_MAX, timeWindow: '1 minute' };
  app.addHook('preHandler', throttle.perAddress);

  app.post<{ Body: Static<typeof AcceptBody> }>(
    '/accept',
    { schema: { body: AcceptBody }, config: { rateLimit } },
    async (request, reply) => {
      const account = await optionalAccount(app, request);
      const accepted = await acceptInvite(db, request.body.token, { userId: account?.user.id, displayName: request.body.displayName });
      const room = { roomId: accepted.roomId, role: accepted.role };
      if (account) return { ...room };
      const guest = await findUserById(db, accepted.userId);
      return reply.code(201).send({ ...room, ...(await sessionFor(app, db, guest!)) });
    },
  );
};
