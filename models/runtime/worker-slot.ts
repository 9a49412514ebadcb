/**
 * One worker's place in the analysis pool: the thread, its frame mailbox, its batch of pending
 * audio and the participants assigned to it. A slot outlives its worker (a worker that dies is
 * restarted in the same slot and its participants stay), so the slot's state and the steps that
 * begin and end one worker's tenure in it live here; routing, results and restarts stay in
 * analysis-pool.ts.
 */
import { Worker } from 'node:worker_threads';

import type { VideoFrame } from '../../media/types.js';
import type { PcmChunk, WorkerSettings } from './analysis-protocol.js';
import { FrameMailbox } from './frame-mailbox.js';

export interface Slot {
  index: number;
  worker: Worker | undefined;
  ready: boolean;
  threadId: number;
  mailbox: FrameMailbox<VideoFrame>;
  inFlight: number;
  audio: PcmChunk[];
  participants: Map<string, Set<'face' | 'voice'>>;
  restartDelayMs: number;
  releaseTimer: NodeJS.Timeout | undefined;
  /** when a waiting frame of this slot was last replaced by a newer one (performance.now(); -Infinity: never) */
  lastSkipAt: number;
}

/** A slot with no worker yet and nobody assigned. */
export function emptySlot(index: number, restartDelayMs: number): Slot {
  return {
    index,
    worker: undefined,
    ready: false,
    threadId: 0,
    mailbox: new FrameMailbox<VideoFrame>(),
    inFlight: 0,
    audio: [],
    participants: new Map(),
    restartDelayMs,
    releaseTimer: undefined,
    lastSkipAt: -Infinity,
  };
}

/** A new analysis worker thread (analysis-worker.ts) with these settings; it posts 'ready' once its models load. */
export function spawnAnalysisWorker(settings: WorkerSettings): Worker {
  // A worker does not inherit tsx's loader hooks: a tiny eval'd bootstrap registers tsx, then
  // imports the worker module (as server/music/analysis-worker.ts does).
  const entry = new URL('./analysis-worker.ts', import.meta.url).href;
  const bootstrap = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); })`;
  return new Worker(bootstrap, { eval: true, workerData: settings });
}

/**
 * The slot's worker is gone: nothing is in flight any more (frames it held may be taken again) and
 * its gathered audio is dropped. Returns how many audio chunks were dropped.
 */
export function vacateSlot(slot: Slot): number {
  slot.ready = false;
  slot.worker = undefined;
  slot.inFlight = 0;
  for (const participantId of slot.mailbox.inFlight()) slot.mailbox.done(participantId);
  const dropped = slot.audio.length;
  slot.audio = [];
  return dropped;
}
