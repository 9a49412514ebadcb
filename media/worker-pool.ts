/**
 * The mediasoup workers: one C++ process per CPU core by default. A worker that dies is
 * replaced (with a log line and a metric); routers it hosted are gone, and their rooms rebuild
 * them on a live worker (RoomMedia's 'routerLost').
 */
import type { FastifyBaseLogger } from 'fastify';
import type { types as ms } from 'mediasoup';
import * as mediasoup from 'mediasoup';
import { Counter, Gauge, type Registry } from 'prom-client';

export interface WorkerPoolOptions {
  size: number;
  logLevel: ms.WorkerLogLevel;
  logger: FastifyBaseLogger;
  registry: Registry;
  /** Delay before a dead worker is replaced, so a crash loop cannot spin the CPU. */
  respawnDelayMs?: number;
}

export interface WorkerInfo {
  slot: number;
  pid: number;
  alive: boolean;
}

export class WorkerPool {
  private readonly workers: (ms.Worker | undefined)[];
  private nextIndex = 0;
  private closing = false;
  private readonly restarts: Counter;
  private readonly liveGauge: Gauge;

  constructor(private readonly options: WorkerPoolOptions) {
    this.workers = new Array(options.size).fill(undefined);
    this.restarts = new Counter({
      name: 'moodify_mediasoup_worker_restarts_total',
      help: 'mediasoup workers that died and were replaced',
      registers: [options.registry],
    });
    this.liveGauge = new Gauge({
      name: 'moodify_mediasoup_workers_alive',
      help: 'mediasoup workers currently alive',
      registers: [options.registry],
      collect: () => this.liveGauge.set(this.liveCount()),
    });
  }

  async start(): Promise<void> {
    await Promise.all(this.workers.map((_, slot) => this.spawn(slot)));
  }

  get size(): number {
    return this.workers.length;
  }

  liveCount(): number {
    return this.workers.filter(isAlive).length;
  }

  info(): WorkerInfo[] {
    return this.workers.map((w, slot) => ({ slot, pid: w?.pid ?? 0, alive: isAlive(w) }));
  }

  /** The live workers (for dumps and diagnostics). */
  all(): ms.Worker[] {
    return this.workers.filter(isAlive) as ms.Worker[];
  }

  /** Round-robin over live workers, for spreading routers. */
  next(): ms.Worker {
    for (let i = 0; i < this.workers.length; i++) {
      const worker = this.workers[(this.nextIndex + i) % this.workers.length];
      if (isAlive(worker)) {
        this.nextIndex = (this.nextIndex + i + 1) % this.workers.length;
        return worker!;
      }
    }
    throw new Error('no mediasoup worker is alive');
  }

  async close(): Promise<void> {
    this.closing = true;
    const exits = this.workers.filter(isAlive).map((w) => waitForExit(w!));
    for (const w of this.workers) if (w && !w.closed) w.close();
    // close() sends SIGTERM-equivalent; wait (bounded) until the processes are really gone.
    await Promise.race([Promise.all(exits), new Promise((r) => setTimeout(r, 2000).unref())]);
  }

  private async spawn(slot: number): Promise<void> {
    const worker = await mediasoup.createWorker({ logLevel: this.options.logLevel });
    if (this.closing) {
      worker.close();
      return;
    }
    this.workers[slot] = worker;
    this.options.logger.info({ slot, pid: worker.pid }, 'mediasoup worker started');
    worker.on('died', (error) => {
      this.options.logger.error({ slot, pid: worker.pid, err: error }, 'mediasoup worker died; replacing it');
      this.restarts.inc();
      if (this.closing) return;
      setTimeout(() => {
        this.spawn(slot).catch((err) => this.options.logger.error({ slot, err }, 'could not replace mediasoup worker'));
      }, this.options.respawnDelayMs ?? 200).unref();
    });
  }
}

function isAlive(worker: ms.Worker | undefined): boolean {
  return worker !== undefined && !worker.closed && !worker.died;
}

function waitForExit(worker: ms.Worker): Promise<void> {
  return new Promise((resolve) => {
    const poll = setInterval(() => {
      if (worker.subprocessClosed) {
        clearInterval(poll);
        resolve();
      }
    }, 20);
    poll.unref();
  });
}
