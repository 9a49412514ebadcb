/**
 * Accounts, rooms, history and privacy: registers @fastify/jwt (decorating the root app, so
 * verifyAccessToken(app, …) works everywhere), the /api routes and the retention job.
 * Registered by server/app.ts after the global rate limiter.
 */
import './events.js';

import jwt from '@fastify/jwt';
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';

import { AuthThrottle } from './auth-throttle.js';
import { resolveJwtSecret } from './jwt-secret.js';
import { startRetentionJob } from './retention-job.js';
import { authRoutes } from './routes/auth.js';
import { inviteRoutes } from './routes/invites.js';
import { meRoutes } from './routes/me.js';
import { roomRoutes } from './routes/rooms.js';

declare module 'fastify' {
  interface FastifyInstance {
    retention: ReturnType<typeof startRetentionJob>;
  }
}

const accounts: FastifyPluginAsync = async (app) => {
  const { config } = app.services;
  await app.register(jwt, {
    secret: resolveJwtSecret({ configured: config.JWT_SECRET, dataDir: config.DATA_DIR_ABS }),
    sign: { algorithm: 'HS256' },
    // Only HS256: a token claiming "none" or another algorithm is rejected, not interpreted.
    verify: { algorithms: ['HS256'] },
  });
  // One brake for every route that guesses secrets or makes accounts (server/accounts/auth-throttle.ts).
  const throttle = new AuthThrottle(config.AUTH_RATE_LIMIT_MAX);
  await app.register(authRoutes, { prefix: '/api/auth', throttle });
  await app.register(meRoutes, { prefix: '/api/me' });
  await app.register(roomRoutes, { prefix: '/api/rooms' });
  await app.register(inviteRoutes, { prefix: '/api/invites', throttle });

  const retention = startRetentionJob(app);
  app.decorate('retention', retention);
  app.addHook('preClose', () => retention.stop());
};

export const accountsPlugin = fp(accounts, { name: 'moodify-accounts' });
