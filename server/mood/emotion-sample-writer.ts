/**
 * Writes emotion samples to the database in batches, off the caller's path: enqueue() only
 * appends to an in-memory buffer and never waits or throws. A timer flushes batches; while the
 * database is unreachable the samples stay buffered (up to maxBuffered; beyond that the oldest
 * samples not already in a write are dropped, and counted) and are written when it returns. Rows carry ids made here, and inserts
 * ignore ids already present, so a batch retried after a lost acknowledgement is not duplicated.
 */
import crypto from 'node:crypto';

import { Counter, Gauge, type Registry } from 'prom-client';

import { emotionSamples } from '../../sql/schema.js';
import type { Db } from '../database.js';
import type { ParticipantMoodEvent } from './engine.js';

export type EmotionSampleRow = typeof emotionSamples.$inferInsert & { id: string };

export interface WriterOptions {
  batchSize: number;
  flushIntervalMs: number;
  /** Most samples held while the database is away; beyond it the oldest are dropped (and counted). */
  maxBuffered: number;
  /** First retry delay after a failed write; doubles up to maxRetryMs. */
  retryMs: number;
  maxRetryMs: number;
  registry?: Registry;
  /**
   * Of these account ids, the ones whose samples may be stored (they consented). Asked once per
   * batch; samples of the others are dropped, never written. Rows of anonymous participants
   * (no account: userId is the participant id) are not asked about.
   */
  admit?: (userIds: string[]) => Promise<Set<string>>;
  log?: { warn: (obj: object, msg: string) => void; info: (obj: object, msg: string) => void };
}

export const DEFAULT_WRITER_OPTIONS: WriterOptions = {
  batchSize: 500,
  flushIntervalMs: 1000,
  maxBuffered: 100_000,
  retryMs: 500,
  maxRetryMs: 5000,
};

/** How long forget() keeps dropping a user's samples taken before the deletion. */
const FORGET_WINDOW_MS = 60_000;

export class EmotionSampleWriter {
  private buffer: EmotionSampleRow[] = [];
  /** user id → epoch ms: their samples taken until then are dropped (forget()) */
  private readonly forgotten = new Map<string, number>();
  private inFlight: EmotionSampleRow[] = [];
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> | undefined;
  private retryDelay: number;
  private nextAttemptAt = 0;
  private outage = false;
  private closed = false;
  readonly stats = { written: 0, dropped: 0, failures: 0, refused: 0 };
  private readonly options: WriterOptions;
  private readonly metrics?: { written: Counter; dropped: Counter; failures: Counter };

  constructor(
    private readonly db: Db,
    options: Partial<WriterOptions> = {},
  ) {
    this.options = { ...DEFAULT_WRITER_OPTIONS, ...options };
    this.retryDelay = this.options.retryMs;
    const registry = this.options.registry;
    if (registry) {
      // prom-client calls collect() with the gauge as `this`.
      const buffered = () => this.buffered;
      new Gauge({
        name: 'moodify_emotion_samples_buffered',
        help: 'Emotion samples waiting to be written (grows while the database is unreachable)',
        registers: [registry],
        collect() {
          this.set(buffered());
        },
      });
      this.metrics = {
        written: new Counter({
          name: 'moodify_emotion_samples_written_total',
          help: 'Emotion samples written to the database',
          registers: [registry],
        }),
        dropped: new Counter({
          name: 'moodify_emotion_samples_dropped_total',
          help: 'Emotion samples dropped because the outage buffer was full',
          registers: [registry],
        }),
        failures: new Counter({
          name: 'moodify_emotion_samples_write_failures_total',
          help: 'Failed batch writes (each retried)',
          registers: [registry],
        }),
      };
    }
    this.timer = setInterval(() => void this.tick(), this.options.flushIntervalMs);
    this.timer.unref();
  }

  get buffered(): number {
    return this.buffer.length + this.inFlight.length;
  }

  /** Appends one sample; O(1), never blocks, never throws. */
  enqueue(row: Omit<EmotionSampleRow, 'id'> & { id?: string }): void {
    if (this.closed) return;
    this.buffer.push({ ...row, id: row.id ?? crypto.randomUUID() });
    this.enforceBound();
    if (this.buffer.length >= this.options.batchSize && !this.outage) void this.tick();
  }

  /** The sink for MoodEngine: one row per fused reading. */
  readonly sink = (event: ParticipantMoodEvent): void => {
    const m = event.mood;
    this.enqueue({
      userId: event.userId ?? event.participantId,
      participantId: event.participantId,
      roomId: event.roomId,
      at: new Date(m.t),
      face: event.face ? [...event.face] : null,
      voice: event.voice ? [...event.voice] : null,
      fused: m.probabilities,
      emotion: m.emotion,
      valence: m.valence,
      arousal: m.arousal,
      confidence: m.confidence,
      weights: m.weights,
    });
  };

  /**
   * "Delete my data" is about to run for this user: their samples taken until now are never written.
   * Waits for a write in progress (its rows are then in the database, where the deletion reaches them),
   * drops the user's buffered samples, and for FORGET_WINDOW_MS keeps dropping late ones taken before now
   * (a reading still on its way through the engine, a batch put back after a failed write).
   */
  async forget(userId: string): Promise<void> {
    const cutoff = Date.now();
    this.forgotten.set(userId, cutoff);
    setTimeout(() => this.forgotten.get(userId) === cutoff && this.forgotten.delete(userId), FORGET_WINDOW_MS).unref();
    while (this.writing) await this.writing;
    this.buffer = this.buffer.filter((r) => !this.isForgotten(r));
  }

  /** Writes everything buffered now; rejects if the database is unreachable (samples stay buffered). */
  async flush(): Promise<void> {
    while (this.writing) await this.writing;
    while (this.buffer.length > 0) {
      await this.writeBatch();
      if (this.outage) throw new Error('database unreachable: samples kept in the buffer');
    }
  }

  /** Stops the timer and tries one last flush within timeoutMs. */
  async close(timeoutMs = 2000): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    await Promise.race([this.flush().catch(() => {}), new Promise((r) => setTimeout(r, timeoutMs).unref())]);
  }

  private async tick(): Promise<void> {
    if (this.writing || this.buffer.length === 0 || Date.now() < this.nextAttemptAt) return;
    while (this.buffer.length > 0 && !this.outage) await this.writeBatch();
    // During an outage the timer keeps probing, once per backoff delay.
    if (this.outage && Date.now() >= this.nextAttemptAt) await this.writeBatch();
  }

  private writeBatch(): Promise<void> {
    if (this.writing) return this.writing;
    this.inFlight = this.buffer.splice(0, this.options.batchSize);
    const batch = this.inFlight;
    this.writing = (async () => {
      try {
        const rows = await this.admitted(batch);
        if (rows.length > 0) await this.db.insert(emotionSamples).values(rows).onConflictDoNothing({ target: emotionSamples.id });
        this.stats.written += rows.length;
        this.stats.refused += batch.length - rows.length;
        this.metrics?.written.inc(rows.length);
        if (this.outage) this.options.log?.info({ buffered: this.buffered }, 'emotion samples: database back, flushing the buffer');
        this.outage = false;
        this.retryDelay = this.options.retryMs;
        this.nextAttemptAt = 0;
      } catch (err) {
        // Put the batch back in front, in order, and wait before the next try.
        this.inFlight = [];
        this.buffer.unshift(...batch);
        this.stats.failures++;
        this.metrics?.failures.inc();
        if (!this.outage)
          this.options.log?.warn(
            { err: (err as Error).message, buffered: this.buffer.length },
            'emotion samples: database write failed, buffering',
          );
        this.outage = true;
        this.nextAttemptAt = Date.now() + this.retryDelay;
        this.retryDelay = Math.min(this.options.maxRetryMs, this.retryDelay * 2);
        this.enforceBound();
      } finally {
        this.inFlight = [];
        this.writing = undefined;
      }
    })();
    return this.writing;
  }

  /** The batch without the samples of accounts that have not consented (consent is checked here, where samples are written). */
  private async admitted(all: EmotionSampleRow[]): Promise<EmotionSampleRow[]> {
    const batch = this.forgotten.size > 0 ? all.filter((r) => !this.isForgotten(r)) : all;
    const admit = this.options.admit;
    if (!admit) return batch;
    const accounts = [...new Set(batch.filter((r) => r.userId !== r.participantId).map((r) => r.userId))];
    if (accounts.length === 0) return batch;
    const allowed = await admit(accounts);
    return batch.filter((r) => r.userId === r.participantId || allowed.has(r.userId));
  }

  private isForgotten(row: EmotionSampleRow): boolean {
    const cutoff = this.forgotten.get(row.userId);
    return cutoff !== undefined && row.at.getTime() <= cutoff;
  }

  private enforceBound(): void {
    const excess = this.buffer.length + this.inFlight.length - this.options.maxBuffered;
    if (excess <= 0) return;
    const dropped = this.buffer.splice(0, Math.min(excess, this.buffer.length)).length;
    this.stats.dropped += dropped;
    this.metrics?.dropped.inc(dropped);
  }
}
