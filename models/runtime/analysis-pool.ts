/**
 * Emotion analysis on every core: a pool of worker threads (analysis-worker.ts), each with its own
 * onnxruntime sessions, owning face detection, expression, VAD and speech emotion with their pre- and
 * post-processing. The main thread only routes bytes here and takes results back.
 *
 *   const pool = await AnalysisPool.create({ provider: 'auto' });
 *   pool.on('face', (r) => …);  pool.on('voice', (r) => …);
 *   pool.submitFrame(frame);     // latest frame wins per participant
 *   pool.pushAudio(chunk);       // every 20 ms chunk, in order
 *   pool.endParticipant(id, 'face' | 'voice');
 *
 * - Participants are assigned to a worker on first use, the least loaded, and stay there: their state
 *   (tracked face box, VAD state, speaker profile) lives in that worker.
 * - Frames wait in a FrameMailbox per worker: one slot per participant, newest wins, served round-robin,
 *   and a worker gets at most `maxInFlight` frames at a time. Under overload each participant's frames are
 *   skipped evenly, nothing queues, and latency stays bounded by about one round of the mailbox.
 * - A worker that had to skip frames in the last `quickHoldMs` is behind: it analyses frames the cheaper way
 *   (no test-time mirror, FaceAnalyzer's `quick`) until it keeps up, so overload costs a little accuracy per
 *   frame before it costs frames.
 * - Audio is never skipped while a worker runs (VAD and the speech windows need every chunk): chunks are
 *   gathered for `audioFlushMs` and posted in one message per worker.
 * - Pixels and PCM travel in SharedArrayBuffers (media/ingest's taps allocate them so); anything else is
 *   copied once into one and counted in stats.copied.
 * - A worker that dies is restarted in its slot; its participants stay assigned to the slot and start
 *   afresh (new VAD state and speaker profile), frames they sent meanwhile wait in the mailbox (newest only).
 * - On CUDA one worker serves everyone, batching across participants (batches of 16, many frames in flight).
 */
import { EventEmitter } from 'node:events';
import os from 'node:os';

import type { AudioChunk, VideoFrame } from '../../media/types.js';
import type { ClassifierName, FaceResult } from '../face/face-analyzer.js';
import type { FaceTrackingOptions } from '../face/tracker.js';
import type { VoiceResult } from '../voice/voice-analyzer.js';
import type { FromWorker, ToWorker, WorkerSettings } from './analysis-protocol.js';
import { cudaInstalled, type ExecutionProviderSetting, type ModelLogger, type Provider, providerSetting } from './session.js';
import { SteadyRate } from './steady-rate.js';
import { emptySlot, type Slot, spawnAnalysisWorker, vacateSlot } from './worker-slot.js';

export interface AnalysisPoolOptions {
  provider?: ExecutionProviderSetting;
  /** worker threads (default: one per core on CPU, one on CUDA) */
  workers?: number;
  classifier?: ClassifierName;
  /** face box reuse (default on: re-detect every second or on motion); false turns it off */
  tracking?: FaceTrackingOptions | false;
  /** frames handed to one worker at a time (default 2 on CPU: one running, one ready; 32 on CUDA) */
  maxInFlight?: number;
  audioFlushMs?: number;
  restartDelayMs?: number;
  logger?: ModelLogger;
  /** tests only: extra busy milliseconds per frame in every worker */
  testFrameDelayMs?: number;
  /** a worker that skipped a frame within this many ms analyses the cheaper way (default 10 s; 0: never) */
  quickHoldMs?: number;
  /** nice value of the worker threads (default 5: media first; 0 = the main thread's priority) */
  workerNice?: number;
  /** analysis rate while a participant's expression is steady (steady-rate.ts; default 0: off) */
  steadyFps?: number;
  steadyAfter?: number;
}

/** How long a worker stays on the cheaper per-frame analysis after its last skipped frame. */
const DEFAULT_QUICK_HOLD_MS = 10_000;

export interface FaceOutcome {
  participantId: string;
  /** the analysed frame's sequence number and decode time (performance.now() of this thread) */
  seq: number;
  decodedAt: number;
  result?: FaceResult;
  error?: string;
}

export interface VoiceOutcome {
  participantId: string;
  result: VoiceResult;
}

interface PoolEvents {
  face: [FaceOutcome];
  voice: [VoiceOutcome];
  voiceError: [participantId: string, error: string];
  workerLost: [slot: number, reason: string];
  workerReady: [slot: number];
}

export interface PoolStats {
  framesSubmitted: number;
  /** frames replaced in a mailbox by a newer frame of the same participant before analysis */
  framesSkipped: number;
  framesAnalysed: number;
  /** frames handed out to be analysed the cheaper way, because their worker was behind */
  framesQuick: number;
  /** frames or chunks that were not in a SharedArrayBuffer and had to be copied into one */
  copied: number;
  audioChunks: number;
  /** chunks that arrived while their worker was restarting */
  audioChunksDropped: number;
  workerRestarts: number;
}

export class AnalysisPool extends EventEmitter<PoolEvents> {
  /** the provider the pool was laid out for (one batching worker for cuda, one per core for cpu) */
  readonly layout: Provider;
  /** the provider the workers' sessions actually run on (cuda falls back to cpu when it cannot start) */
  provider: Provider;
  readonly maxInFlight: number;
  readonly stats: PoolStats = {
    framesSubmitted: 0,
    framesSkipped: 0,
    framesAnalysed: 0,
    framesQuick: 0,
    copied: 0,
    audioChunks: 0,
    audioChunksDropped: 0,
    workerRestarts: 0,
  };
  private readonly slots: Slot[];
  private readonly assignment = new Map<string, Slot>();
  private readonly steady: SteadyRate;
  private audioTimer: NodeJS.Timeout | undefined;
  private closed = false;

  private constructor(
    private readonly settings: WorkerSettings,
    workers: number,
    private readonly opts: AnalysisPoolOptions,
  ) {
    super();
    this.layout = settings.provider === 'cuda' ? 'cuda' : 'cpu';
    this.provider = this.layout;
    this.maxInFlight = Math.max(1, opts.maxInFlight ?? (this.layout === 'cuda' ? 32 : 2));
    this.steady = new SteadyRate(opts.steadyFps ?? 0, opts.steadyAfter);
    this.slots = Array.from({ length: workers }, (_, index) => emptySlot(index, opts.restartDelayMs ?? 300));
  }

  /** Starts the workers and waits until each has loaded its models; rejects (naming the file) when one cannot. */
  static async create(opts: AnalysisPoolOptions = {}): Promise<AnalysisPool> {
    const setting = opts.provider ?? providerSetting();
    // One resolved provider for every worker: 'cuda' only where its library is installed (auto),
    // or where asked for (the worker then falls back to CPU with a warning).
    const cuda = setting === 'cuda' || (setting === 'auto' && cudaInstalled());
    const workers = Math.max(1, Math.floor(opts.workers ?? (cuda ? 1 : os.availableParallelism())));
    const settings: WorkerSettings = {
      provider: cuda ? 'cuda' : 'cpu',
      ...(opts.classifier && { classifier: opts.classifier }),
      // CPU: per-inference cost barely depends on the batch (bench/RESULTS.md), so run what is there at once.
      maxBatch: cuda ? 16 : 4,
      maxWaitMs: cuda ? 2 : 0,
      tracking: opts.tracking ?? {},
      nice: opts.workerNice ?? 5,
      ...(opts.testFrameDelayMs && { testFrameDelayMs: opts.testFrameDelayMs }),
    };
    const pool = new AnalysisPool(settings, workers, opts);
    try {
      await Promise.all(pool.slots.map((slot) => pool.start(slot)));
    } catch (err) {
      await pool.close();
      throw err;
    }
    return pool;
  }

  get size(): number {
    return this.slots.length;
  }

  /** Kernel thread ids of the workers (Linux), for CPU accounting. */
  threadIds(): number[] {
    return this.slots.map((s) => s.threadId).filter((t) => t > 0);
  }

  /** Frames waiting in all mailboxes (at most one per participant). */
  get waitingFrames(): number {
    return this.slots.reduce((n, s) => n + s.mailbox.size, 0);
  }

  /** Which worker a participant is on (tests). */
  slotOf(participantId: string): number | undefined {
    return this.assignment.get(participantId)?.index;
  }

  /** Leaves the participant's newest frame for analysis; a frame still waiting for that participant is skipped. */
  submitFrame(frame: VideoFrame): void {
    if (this.closed) return;
    const slot = this.assign(frame.participantId, 'face');
    this.stats.framesSubmitted++;
    const shared = this.shared(frame.data);
    if (slot.mailbox.put(frame.participantId, shared === frame.data ? frame : { ...frame, data: shared })) {
      this.stats.framesSkipped++;
      slot.lastSkipAt = performance.now();
    }
    this.pump(slot);
  }

  /** Queues one 20 ms chunk for the participant's voice stream (in order, none skipped). */
  pushAudio(chunk: AudioChunk): void {
    if (this.closed) return;
    const slot = this.assign(chunk.participantId, 'voice');
    this.stats.audioChunks++;
    if (!slot.ready) {
      this.stats.audioChunksDropped++;
      return;
    }
    const samples = this.shared(chunk.samples);
    slot.audio.push({
      participantId: chunk.participantId,
      index: chunk.index,
      buffer: samples.buffer as SharedArrayBuffer,
      byteOffset: samples.byteOffset,
      length: samples.length,
      ...(chunk.gapChunks !== undefined && { gapChunks: chunk.gapChunks }),
    });
    this.audioTimer ??= setTimeout(() => this.flushAudio(), this.opts.audioFlushMs ?? 10);
  }

  /** One modality of a participant ended; with both ended the participant leaves its worker. */
  endParticipant(participantId: string, modality: 'face' | 'voice'): void {
    const slot = this.assignment.get(participantId);
    if (!slot) return;
    if (modality === 'face') {
      slot.mailbox.remove(participantId);
      this.steady.forget(participantId);
    } else this.flushAudio();
    this.post(slot, { type: 'end', participantId, modality });
    const open = slot.participants.get(participantId);
    open?.delete(modality);
    if (!open || open.size === 0) {
      slot.participants.delete(participantId);
      this.assignment.delete(participantId);
    }
  }

  /** Makes a worker fail with an uncaught error, as a bug would (tests and chaos checks); the pool restarts it. */
  crashWorker(index: number): void {
    this.slots[index]?.worker?.postMessage({ type: 'crash' } satisfies ToWorker);
  }

  /**
   * Stops every worker. Each is asked to finish its running batch and exit: terminating a thread while
   * onnxruntime runs in it aborts the whole process. Closed streams drop their queued audio, so a worker
   * exits within one model run; one that has not after `graceMs` (hung in JavaScript) is terminated.
   */
  async close(graceMs = 30_000): Promise<void> {
    this.closed = true;
    clearTimeout(this.audioTimer);
    for (const slot of this.slots) clearTimeout(slot.releaseTimer);
    await Promise.all(
      this.slots.map(async (slot) => {
        const worker = slot.worker;
        slot.worker = undefined;
        slot.ready = false;
        if (!worker) return;
        const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
        worker.postMessage({ type: 'close' } satisfies ToWorker);
        let timer: NodeJS.Timeout | undefined;
        const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), graceMs)));
        if ((await Promise.race([exited, late])) === 'late') await worker.terminate();
        clearTimeout(timer);
      }),
    );
  }

  private assign(participantId: string, modality: 'face' | 'voice'): Slot {
    let slot = this.assignment.get(participantId);
    if (!slot) {
      slot = this.slots.reduce((best, s) => (s.participants.size < best.participants.size ? s : best));
      this.assignment.set(participantId, slot);
      slot.participants.set(participantId, new Set());
    }
    slot.participants.get(participantId)!.add(modality);
    return slot;
  }

  /** The view itself when it is already on shared memory, else a shared copy. */
  private shared<T extends Uint8Array | Int16Array>(view: T): T {
    if (view.buffer instanceof SharedArrayBuffer) return view;
    this.stats.copied++;
    const copy = new (view.constructor as new (b: SharedArrayBuffer) => T)(new SharedArrayBuffer(view.byteLength));
    copy.set(view as never);
    return copy;
  }

  private pump(slot: Slot): void {
    while (slot.ready && slot.inFlight < this.maxInFlight) {
      const now = performance.now();
      const next = slot.mailbox.take(now);
      if (!next) break;
      const frame = next[1];
      const interval = this.steady.intervalMs(frame.participantId);
      if (interval > 0) slot.mailbox.hold(frame.participantId, now + interval);
      slot.inFlight++;
      const quick = now - slot.lastSkipAt < (this.opts.quickHoldMs ?? DEFAULT_QUICK_HOLD_MS);
      if (quick) this.stats.framesQuick++;
      this.post(slot, {
        type: 'frame',
        participantId: frame.participantId,
        seq: frame.seq,
        decodedAt: frame.decodedAt,
        width: frame.width,
        height: frame.height,
        buffer: frame.data.buffer as SharedArrayBuffer,
        byteOffset: frame.data.byteOffset,
        byteLength: frame.data.byteLength,
        quick,
      });
    }
    // frames held back by a steady participant's lower rate: come back when the first may go
    const release = slot.ready && slot.inFlight < this.maxInFlight ? slot.mailbox.nextRelease() : undefined;
    if (release !== undefined && !slot.releaseTimer) {
      slot.releaseTimer = setTimeout(
        () => {
          slot.releaseTimer = undefined;
          this.pump(slot);
        },
        Math.max(1, release - performance.now()),
      );
    }
  }

  private flushAudio(): void {
    clearTimeout(this.audioTimer);
    this.audioTimer = undefined;
    for (const slot of this.slots) {
      if (slot.audio.length === 0) continue;
      const chunks = slot.audio;
      slot.audio = [];
      this.post(slot, { type: 'audio', chunks });
    }
  }

  private post(slot: Slot, message: ToWorker): void {
    if (slot.ready) slot.worker!.postMessage(message);
  }

  private start(slot: Slot): Promise<void> {
    const worker = spawnAnalysisWorker(this.settings);
    slot.worker = worker;
    return new Promise<void>((resolve, reject) => {
      let started = false;
      worker.on('message', (m: FromWorker) => {
        if (slot.worker !== worker) return;
        switch (m.type) {
          case 'ready':
            started = true;
            slot.ready = true;
            slot.threadId = m.threadId;
            this.provider = m.providers.face;
            slot.restartDelayMs = this.opts.restartDelayMs ?? 300;
            resolve();
            this.emit('workerReady', slot.index);
            this.pump(slot);
            break;
          case 'fatal': {
            // nothing runs in that worker: its models did not load. Ending it restarts it (with back-off) if it had been up.
            const err = Object.assign(new Error(m.message), { name: m.name });
            if (!started) reject(err);
            void worker.terminate();
            break;
          }
          case 'face':
            slot.inFlight--;
            slot.mailbox.done(m.participantId);
            this.stats.framesAnalysed++;
            // a steady spell that ends restores the full rate at once
            if (this.steady.note(m.participantId, m.result)) slot.mailbox.hold(m.participantId, 0);
            this.emit('face', m);
            this.pump(slot);
            break;
          case 'voice':
            this.emit('voice', m);
            break;
          case 'voiceError':
            this.emit('voiceError', m.participantId, m.error);
            break;
          case 'log':
            this.opts.logger?.[m.level](`analysis worker ${slot.index}: ${m.message}`);
            break;
        }
      });
      worker.on('error', (err) => {
        if (!started) reject(err);
        this.opts.logger?.warn(`analysis worker ${slot.index} failed: ${err.message}`);
      });
      worker.on('exit', (code) => {
        if (slot.worker !== worker) return;
        if (!started) reject(new Error(`analysis worker ${slot.index} exited (${code}) before its models loaded`));
        this.lost(slot, `exited with code ${code}`);
      });
    });
  }

  /** A worker died: release what it held and start a fresh one in its place after a short delay. */
  private lost(slot: Slot, reason: string): void {
    this.stats.audioChunksDropped += vacateSlot(slot);
    if (this.closed) return;
    this.emit('workerLost', slot.index, reason);
    this.opts.logger?.warn(`analysis worker ${slot.index} ${reason}; restarting it (${slot.participants.size} participants start afresh)`);
    const delay = slot.restartDelayMs;
    // A crash loop (models that no longer load, say) backs off up to 10 s between tries.
    slot.restartDelayMs = Math.min(10_000, delay * 2);
    setTimeout(() => {
      if (this.closed) return;
      this.stats.workerRestarts++;
      this.start(slot).catch((err) => this.opts.logger?.warn(`analysis worker ${slot.index} restart failed: ${(err as Error).message}`));
    }, delay).unref();
  }
}
