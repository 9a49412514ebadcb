/**
 * Runs enforceRetention at start and then every RETENTION_INTERVAL_MIN. A failed run is logged
 * and retried at the next tick; it never stops the server.
 */
import type { FastifyInstance } from 'fastify';

import { type DeletionReport, enforceRetention } from './personal-data.js';

export function startRetentionJob(app: FastifyInstance): { runNow(): Promise<DeletionReport | undefined>; stop(): Promise<void> } {
  const { config, database } = app.services;
  let running: Promise<DeletionReport | undefined> | undefined;
  const runNow = () => {
    running ??= enforceRetention(database.db, config.RETENTION_DAYS)
      .then((report) => {
        if (Object.keys(report.deleted).length > 0)
          app.log.info({ deleted: report.deleted, retentionDays: config.RETENTION_DAYS }, 'retention: old data deleted');
        return report;
      })
      .catch((err: unknown) => {
        app.log.error({ err }, 'retention run failed; retrying at the next interval');
        return undefined;
      })
      .finally(() => (running = undefined));
    return running;
  };
  // In a cluster one node per interval takes the turn (a Redis lock that expires with the interval).
  const tick = () => {
    const turn = app.cluster ? app.cluster.takeTurn('retention', config.RETENTION_INTERVAL_MIN * 60_000 * 0.9) : Promise.resolve(true);
    turn.then(
      (mine) => (mine ? runNow() : undefined),
      (err: unknown) => app.log.warn({ err: String(err) }, 'retention: no turn taken (Redis unreachable); next interval'),
    );
  };
  const timer = setInterval(tick, config.RETENTION_INTERVAL_MIN * 60_000);
  timer.unref();
  const first = setTimeout(tick, 1000);
  first.unref();
  return {
    runNow,
    /** Stops the timers and waits for a run in progress, so the database is not closed under it. */
    async stop() {
      clearInterval(timer);
      clearTimeout(first);
      await running;
    },
  };
}
