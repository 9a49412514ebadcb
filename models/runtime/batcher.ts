/**
 * A batching scheduler for model inference shared by all participants.
 *
 * - Requests wait at most `maxWaitMs` (≤ 5 ms) for company, and at most `maxBatch` go into one run.
 * - Latest request wins per key (participant): a request still waiting when a newer one for the same
 *   key arrives resolves at once with `{ status: 'superseded' }`; it never queues behind it.
 *   So the queue holds at most one request per key, and never more than `maxPending` in all
 *   (a request for a new key beyond that resolves as superseded too).
 * - One run at a time. A key's requests run in submission order and resolve in that order.
 * - A failing run rejects the requests it held, and the scheduler goes on with the next batch.
 */

import type { Provider } from './session.js';

/**
 * Largest batch per run, by execution provider. On a GPU, batching is what makes inference cheap.
 * On the CPU, per-inference cost barely changes with the batch (bench/RESULTS.md, "Models"), while
 * onnxruntime-node runs each batch synchronously on the event loop: a batch of 16 blocks it for
 * 20–40 ms, long enough that the decoders' stdout pipes are read too rarely past ~30 participants.
 * Batches of 4 keep every block under ~10 ms (bench:ingest, 40 participants: frames delivered at
 * p95 0.5 s instead of 5.9 s, with the same analysis throughput).
 */
export function defaultMaxBatch(provider: Provider): number {
  return provider === 'cuda' ? 16 : 4;
}

export type Outcome<O> = { status: 'done'; value: O } | { status: 'superseded' };

export interface BatchSchedulerOptions<I, O> {
  /** Runs one batch; must return one output per input, in order. */
  run: (inputs: I[]) => Promise<O[]>;
  maxBatch?: number;
  maxWaitMs?: number;
  maxPending?: number;
}

interface Pending<I, O> {
  key: string;
  input: I;
  resolve: (o: Outcome<O>) => void;
  reject: (e: unknown) => void;
}

export interface BatchStats {
  runs: number;
  items: number;
  superseded: number;
  maxQueue: number;
  lastBatchSizes: number[];
}

export class BatchScheduler<I, O> {
  readonly maxBatch: number;
  readonly maxWaitMs: number;
  readonly maxPending: number;
  private readonly runFn: (inputs: I[]) => Promise<O[]>;
  /** Waiting requests in arrival order, at most one per key. */
  private readonly queue = new Map<string, Pending<I, O>>();
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private closed = false;
  readonly stats: BatchStats = { runs: 0, items: 0, superseded: 0, maxQueue: 0, lastBatchSizes: [] };

  constructor(opts: BatchSchedulerOptions<I, O>) {
    this.runFn = opts.run;
    this.maxBatch = Math.max(1, Math.floor(opts.maxBatch ?? 16));
    this.maxWaitMs = Math.min(5, Math.max(0, opts.maxWaitMs ?? 2));
    this.maxPending = Math.max(this.maxBatch, Math.floor(opts.maxPending ?? 1024));
  }

  /** Requests waiting for a run (at most one per key). */
  get pending(): number {
    return this.queue.size;
  }

  submit(key: string, input: I): Promise<Outcome<O>> {
    if (this.closed) return Promise.reject(new Error('BatchScheduler is closed'));
    return new Promise<Outcome<O>>((resolve, reject) => {
      const prev = this.queue.get(key);
      if (prev) {
        // latest wins: the waiting request gives way, and the new one takes the back of the queue
        this.queue.delete(key);
        this.stats.superseded++;
        prev.resolve({ status: 'superseded' });
      } else if (this.queue.size >= this.maxPending) {
        this.stats.superseded++;
        resolve({ status: 'superseded' });
        return;
      }
      this.queue.set(key, { key, input, resolve, reject });
      this.stats.maxQueue = Math.max(this.stats.maxQueue, this.queue.size);
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.running) return; // the running batch flushes when it ends
    if (this.queue.size >= this.maxBatch || this.maxWaitMs === 0) {
      this.flush();
    } else if (!this.timer && this.queue.size > 0) {
      this.timer = setTimeout(() => this.flush(), this.maxWaitMs);
    }
  }

  private flush(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.running || this.queue.size === 0) return;
    const batch: Pending<I, O>[] = [];
    for (const [k, p] of this.queue) {
      if (batch.length >= this.maxBatch) break;
      batch.push(p);
      this.queue.delete(k);
    }
    this.running = true;
    this.stats.runs++;
    this.stats.items += batch.length;
    this.stats.lastBatchSizes.push(batch.length);
    if (this.stats.lastBatchSizes.length > 32) this.stats.lastBatchSizes.shift();
    let out: Promise<O[]>;
    try {
      out = this.runFn(batch.map((p) => p.input));
    } catch (err) {
      out = Promise.reject(err);
    }
    out
      .then((values) => {
        if (!Array.isArray(values) || values.length !== batch.length) {
          throw new Error(`batch run returned ${Array.isArray(values) ? values.length : typeof values} outputs for ${batch.length} inputs`);
        }
        batch.forEach((p, i) => p.resolve({ status: 'done', value: values[i] as O }));
      })
      .catch((err) => batch.forEach((p) => p.reject(err)))
      .finally(() => {
        this.running = false;
        // whatever arrived during the run has already waited: run it now
        if (this.queue.size > 0) this.flush();
      });
  }

  /** Resolves every waiting request as superseded and refuses new ones. */
  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    for (const p of this.queue.values()) p.resolve({ status: 'superseded' });
    this.queue.clear();
  }
}
