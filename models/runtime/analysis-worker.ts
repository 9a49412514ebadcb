/**
 * One analysis worker thread (started by analysis-pool.ts): its own onnxruntime sessions, one
 * FaceAnalyzer and one VoiceAnalyzer, and the per-participant state of the participants assigned to
 * it (tracked face box, VAD state, speaker profile). It analyses what the pool hands it and posts
 * every result back; the pool decides what is worth analysing (latest frame wins).
 */
import fs from 'node:fs';
import os from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';

import { AUDIO_SAMPLE_RATE } from '../../media/types.js';
import { FaceAnalyzer } from '../face/face-analyzer.js';
import { VoiceAnalyzer } from '../voice/voice-analyzer.js';
import type { FrameMessage, FromWorker, PcmChunk, ToWorker, WorkerSettings } from './analysis-protocol.js';

/** This thread's kernel id (Linux), so a benchmark can read its CPU time from /proc; 0 elsewhere. */
function kernelThreadId(): number {
  try {
    return Number(fs.readlinkSync('/proc/thread-self').split('/').at(-1)) || 0;
  } catch {
    return 0;
  }
}

/**
 * Analysis yields to the media path (settings.nice, default 5): under overload the worker threads would
 * otherwise compete with the main thread (routing frames, signalling, HTTP), the decoders and mediasoup
 * for the same cores, and the event loop would lag. Skipping frames is how analysis degrades; media must not.
 */
/** 10 s of 20 ms chunks waiting in one voice stream (bursts from a restarted decoder or a test pass; a starved worker stops here) */
const MAX_AUDIO_BACKLOG = 500;

function lowerPriority(threadId: number, nice: number): void {
  if (threadId === 0 || nice <= 0) return;
  try {
    os.setPriority(threadId, nice); // Linux: a thread id sets that thread's nice value alone
  } catch {
    // not permitted (a container without CAP_SYS_NICE can still lower its priority; nothing else to do)
  }
}

async function main(port: NonNullable<typeof parentPort>, settings: WorkerSettings): Promise<void> {
  const threadId = kernelThreadId();
  lowerPriority(threadId, settings.nice);
  const post = (message: FromWorker) => port.postMessage(message);
  const logger = {
    info: (message: string) => post({ type: 'log', level: 'info', message }),
    warn: (message: string) => post({ type: 'log', level: 'warn', message }),
  };
  const common = { provider: settings.provider, logger, threads: 1, maxBatch: settings.maxBatch, maxWaitMs: settings.maxWaitMs };
  let face: FaceAnalyzer;
  let voice: VoiceAnalyzer;
  try {
    [face, voice] = await Promise.all([
      FaceAnalyzer.create({ ...common, tracking: settings.tracking, ...(settings.classifier && { classifier: settings.classifier }) }),
      VoiceAnalyzer.create(common),
    ]);
  } catch (err) {
    post({ type: 'fatal', name: (err as Error)?.name ?? 'Error', message: (err as Error)?.message ?? String(err) });
    return;
  }

  let running = 0;
  let idle: (() => void) | undefined;
  const whenIdle = () => (running === 0 ? Promise.resolve() : new Promise<void>((resolve) => (idle = resolve)));
  const analyseFrame = async (m: FrameMessage) => {
    running++;
    const frame = {
      participantId: m.participantId,
      width: m.width,
      height: m.height,
      format: 'rgb24' as const,
      data: new Uint8Array(m.buffer, m.byteOffset, m.byteLength),
      decodedAt: m.decodedAt,
      seq: m.seq,
    };
    const reply = { type: 'face' as const, participantId: m.participantId, seq: m.seq, decodedAt: m.decodedAt };
    try {
      if (settings.testFrameDelayMs) busyWait(settings.testFrameDelayMs);
      post({ ...reply, result: await face.analyze(frame, { quick: m.quick }) });
    } catch (err) {
      post({ ...reply, error: (err as Error)?.message ?? String(err) });
    } finally {
      if (--running === 0) idle?.();
    }
  };

  const openStreams = new Set<string>();
  /** chunks dropped per participant since its last accepted one, reported to its stream as a gap */
  const dropped = new Map<string, number>();
  const pushPcm = (c: PcmChunk) => {
    const stream = voice.stream(c.participantId);
    // A starved worker must not build an unbounded audio queue: past MAX_AUDIO_BACKLOG chunks the
    // newest are dropped and the stream told of the gap (a gap of 2 s or more restarts its window).
    if (stream.backlog >= MAX_AUDIO_BACKLOG) {
      dropped.set(c.participantId, (dropped.get(c.participantId) ?? 0) + 1);
      return;
    }
    const gap = (c.gapChunks ?? 0) + (dropped.get(c.participantId) ?? 0);
    dropped.delete(c.participantId);
    if (!openStreams.has(c.participantId)) {
      openStreams.add(c.participantId);
      stream.onResult((result) => post({ type: 'voice', participantId: c.participantId, result }));
      stream.onError((err) => post({ type: 'voiceError', participantId: c.participantId, error: (err as Error)?.message ?? String(err) }));
    }
    stream.push({
      participantId: c.participantId,
      sampleRate: AUDIO_SAMPLE_RATE,
      index: c.index,
      receivedAt: 0,
      samples: new Int16Array(c.buffer, c.byteOffset, c.length),
      ...(gap > 0 && { gapChunks: gap }),
    });
  };

  port.on('message', (m: ToWorker) => {
    switch (m.type) {
      case 'frame':
        void analyseFrame(m);
        break;
      case 'audio':
        for (const c of m.chunks) pushPcm(c);
        break;
      case 'end':
        if (m.modality === 'face') face.forget(m.participantId);
        else {
          voice.closeStream(m.participantId);
          openStreams.delete(m.participantId);
          dropped.delete(m.participantId);
        }
        break;
      case 'close':
        // Stop the schedulers (waiting requests resolve as superseded), let the running batch end, then
        // close the port: the thread exits once nothing is left to do. Voice streams end with it.
        face.close();
        voice.close();
        void whenIdle().then(() => port.close());
        break;
      case 'crash':
        void whenIdle().then(() => {
          throw new Error('analysis worker crash requested (test)');
        });
        break;
    }
  });
  post({ type: 'ready', threadId, providers: { face: face.providers.classifier, voice: voice.providers.ser } });
}

/** Test-only overload: burns CPU like a slow model would (a sleep would not load the core). */
function busyWait(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until);
}

if (parentPort) void main(parentPort, workerData as WorkerSettings);
