/**
 * Builds the fastify application and the services it owns (database, mediasoup workers,
 * metrics). Everything opened here is closed by app.close(), in reverse order.
 */
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

import cors from '@fastify/cors';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import fastifyStatic from '@fastify/static';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';

import { WorkerPool } from '../media/worker-pool.js';
import { accountsPlugin } from './accounts/plugin.js';
import { analysisPlugin } from './analysis/pipeline.js';
import { clusterPlugin, createClusterNode } from './cluster/plugin.js';
import type { AppConfig } from './config.js';
import { type Database, openDatabase } from './database.js';
import { EventBus } from './events.js';
import { installErrorMapper } from './http/errors.js';
import { healthRoutes } from './http/health.js';
import { installInputGuard } from './http/input-guard.js';
import { createMetricsRegistry } from './metrics.js';
import { moodPlugin } from './mood/plugin.js';
import { musicPlugin } from './music/plugin.js';
import { pairingPlugin } from './pairing/plugin.js';
import { signallingPlugin } from './signalling/plugin.js';
import { streamPlugin } from './stream/plugin.js';

const CLIENT_DIST = fileURLToPath(new URL('../client/dist', import.meta.url));

export interface AppServices {
  config: AppConfig;
  database: Database;
  workers: WorkerPool;
  registry: Registry;
  events: EventBus;
}

declare module 'fastify' {
  interface FastifyInstance {
    services: AppServices;
  }
}

export async function buildApp(config: AppConfig): Promise<FastifyInstance> {
  const app = Fastify({
    logger: { level: config.LOG_LEVEL },
    bodyLimit: 1024 * 1024,
    // Close keep-alive sockets on shutdown, or close() waits for idle browsers.
    forceCloseConnections: true,
    // A request that trickles in (a byte every few seconds) is cut off after REQUEST_TIMEOUT_S;
    // node checks at connectionsCheckingInterval, so that bounds the overshoot.
    requestTimeout: config.REQUEST_TIMEOUT_S * 1000,
    http: {
      headersTimeout: Math.min(config.REQUEST_TIMEOUT_S * 1000, 60_000),
      connectionsCheckingInterval: Math.min(config.REQUEST_TIMEOUT_S * 500, 5000),
    },
  });
  // Before any route: driver messages never reach a reply, NUL never reaches the database.
  installErrorMapper(app);
  installInputGuard(app);

  const registry = createMetricsRegistry();
  const database = await openDatabase({
    databaseUrl: config.DATABASE_URL,
    dataDir: config.DATA_DIR_ABS,
    queryTimeoutMs: config.DB_QUERY_TIMEOUT_MS,
  });
  app.addHook('onClose', async () => {
    await database.close();
  });
  await database.migrate();
  app.log.info({ kind: database.kind }, 'database ready, migrations applied');

  const workers = new WorkerPool({
    size: config.MEDIASOUP_WORKERS,
    logLevel: config.MEDIASOUP_LOG_LEVEL,
    logger: app.log,
    registry,
  });
  app.addHook('onClose', async () => {
    await workers.close();
  });
  await workers.start();

  app.decorate('services', { config, database, workers, registry, events: new EventBus() });
  // A cluster only with REDIS_URL (docs/CLUSTER.md); without it, nothing here touches Redis.
  const cluster = config.REDIS_URL ? await createClusterNode(app) : undefined;

  await app.register(helmet, {
    // HSTS only means something over HTTPS (browsers ignore it on http:); it is added below for TLS requests only.
    strictTransportSecurity: false,
    contentSecurityPolicy: {
      directives: {
        'default-src': ["'self'"],
        // 'self' covers ws:/wss: to this same host (CSP Level 3); no other host is reachable.
        'connect-src': ["'self'"],
        // lit's styles are constructed stylesheets; 'unsafe-inline' only for style attributes in templates. No remote styles.
        'style-src': ["'self'", "'unsafe-inline'"],
        'media-src': ["'self'", 'blob:'],
        'img-src': ["'self'", 'data:', 'blob:'],
        'worker-src': ["'self'", 'blob:'],
      },
    },
  });
  app.addHook('onSend', async (request, reply) => {
    if (request.protocol === 'https') void reply.header('strict-transport-security', 'max-age=15552000; includeSubDomains');
  });
  await app.register(cors, {
    origin: config.CORS_ORIGIN ? config.CORS_ORIGIN.split(',').map((o) => o.trim()) : false,
  });
  await app.register(rateLimit, { max: config.RATE_LIMIT_MAX, timeWindow: '1 minute', ...cluster?.rateLimitStore });
  await app.register(healthRoutes, { database, workers, registry });
  await app.register(accountsPlugin);
  await app.register(signallingPlugin);
  await app.register(moodPlugin);
  await app.register(analysisPlugin);
  await app.register(musicPlugin);
  const { music } = app.services;
  if (!music) throw new Error('the music plugin did not start its services');
  // The stream plays the music's picks, stores its listeners' feedback through it and tells its
  // story; the music asks the stream to switch early. Both ways are joined here, once.
  await app.register(streamPlugin, { trackSource: music.trackSource, feedback: music.feedback, story: music.story });
  music.playOn(app.streams);
  if (cluster) await app.register(clusterPlugin);
  // "Show on TV": pairing codes that hand a screen a listener link.
  await app.register(pairingPlugin);

  if (fs.existsSync(CLIENT_DIST)) {
    // Source maps hand out the whole client source: served only to a developer who asked for them (CLIENT_SOURCEMAPS=1).
    await app.register(fastifyStatic, {
      root: CLIENT_DIST,
      prefix: '/',
      allowedPath: (pathName) => config.CLIENT_SOURCEMAPS || !pathName.endsWith('.map'),
    });
    app.get('/room/:roomId', async (_request, reply) => reply.sendFile('room.html'));
  } else {
    app.get('/', async (_request, reply) => reply.code(503).send({ error: 'the client bundle is not built: run `npm run build:client`' }));
  }
  return app;
}
