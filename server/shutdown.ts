/**
 * Graceful shutdown on SIGTERM/SIGINT or a fatal error: close the app (workers, child
 * processes, database) and exit; a hard deadline guarantees the process is gone in time.
 *
 * A repeat of the signal within a second is the same request arriving twice (a terminal's
 * Ctrl-C reaches both npm and the server, and npm forwards it again), so it is ignored; a
 * later one means "now" and exits at once.
 */
import type { FastifyBaseLogger } from 'fastify';

export function installShutdown(close: () => Promise<void>, logger: FastifyBaseLogger, deadlineMs: number): void {
  let startedAt = 0;

  const shutdown = (reason: string, exitCode: number) => {
    if (startedAt) {
      if (Date.now() - startedAt > 1000) {
        logger.warn({ reason }, 'second shutdown request: exiting now');
        process.exit(1);
      }
      return;
    }
    startedAt = Date.now();
    logger.info({ reason }, 'shutting down');
    setTimeout(() => {
      logger.error({ deadlineMs }, 'shutdown took too long: exiting');
      process.exit(1);
    }, deadlineMs).unref();
    close().then(
      () => process.exit(exitCode),
      (err: unknown) => {
        logger.error({ err }, 'error during shutdown');
        process.exit(1);
      },
    );
  };

  process.on('SIGTERM', () => shutdown('SIGTERM', 0));
  process.on('SIGINT', () => shutdown('SIGINT', 0));
  process.on('uncaughtException', (err) => {
    logger.fatal({ err }, 'uncaught exception');
    shutdown('uncaughtException', 1);
  });
  process.on('unhandledRejection', (err) => {
    logger.fatal({ err }, 'unhandled rejection');
    shutdown('unhandledRejection', 1);
  });
}
