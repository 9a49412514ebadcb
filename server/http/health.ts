/**
 * /healthz: the process is alive and its event loop turns.
 * /readyz: it can do its job: the database answers and every mediasoup worker is alive (503 otherwise).
 * /metrics: Prometheus text format.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { Registry } from 'prom-client';

import type { WorkerPool } from '../../media/worker-pool.js';
import { type Database, DatabaseTimeoutError } from '../database.js';
import { errorForLog } from './errors.js';

export interface HealthRoutesOptions {
  database: Database;
  workers: WorkerPool;
  registry: Registry;
}

export const healthRoutes: FastifyPluginAsync<HealthRoutesOptions> = async (app, { database, workers, registry }) => {
  // Probes and scrapes come often and from few addresses: keep them outside the rate limit.
  const config = { rateLimit: false } as const;

  app.get('/healthz', { config }, async () => ({ status: 'ok' }));

  app.get('/readyz', { config }, async (request, reply) => {
    let databaseError: string | undefined;
    try {
      await database.ping(1500);
    } catch (err) {
      // The reason is logged; the public answer names no host, port or driver detail.
      request.log.warn({ err: errorForLog(err) }, 'readiness: database not answering');
      databaseError =
        err instanceof DatabaseTimeoutError || /did not answer/.test(String((err as Error)?.message)) ? 'not answering' : 'unreachable';
    }
    const alive = workers.liveCount();
    const ready = databaseError === undefined && alive === workers.size;
    return reply.code(ready ? 200 : 503).send({
      status: ready ? 'ready' : 'not ready',
      database: { kind: database.kind, ok: databaseError === undefined, ...(databaseError && { error: databaseError }) },
      // Process ids only for probes on this machine (supervisors, tests); to anyone else slots and liveness.
      workers: {
        expected: workers.size,
        alive,
        list: isLoopback(request.ip) ? workers.info() : workers.info().map(({ slot, alive }) => ({ slot, alive })),
      },
      analysis: app.services.analysis
        ? { ok: true }
        : { ok: false, error: app.services.analysisError ?? (app.services.config.ANALYSIS_ENABLED ? 'loading' : 'disabled') },
      // Redis down does not make a node unready: its rooms keep running (docs/CLUSTER.md).
      ...(app.cluster && { cluster: await app.cluster.cluster.health() }),
    });
  });

  app.get('/metrics', { config }, async (_request, reply) => {
    reply.header('content-type', registry.contentType);
    return registry.metrics();
  });
};

function isLoopback(ip: string): boolean {
  return ip === '::1' || ip.startsWith('127.') || ip.startsWith('::ffff:127.');
}
