/**
 * The analysis pipeline: every decoded stream the rooms announce goes through the emotion models,
 * and every reading goes to the mood engine. Media → models → mood, in memory only.
 *
 * The models run in an AnalysisPool (models/runtime/analysis-pool.ts): worker threads, one per core
 * on CPU, each with its own sessions; this thread only hands them bytes and routes results.
 * Video: the tap's latest frame (5 fps by default) → the pool's mailbox (latest frame wins per
 * participant, served round-robin) → face result. Audio: every 20 ms chunk → the participant's voice
 * stream in its worker (Silero VAD gates the speech-emotion model; silence is reported as "no speech",
 * which fusion treats as a missing voice).
 */
import os from 'node:os';

import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import { Counter, Gauge, Histogram } from 'prom-client';

import type { AudioTap, VideoTap } from '../../media/ingest/producer-tap.js';
import { AnalysisPool } from '../../models/runtime/analysis-pool.js';
import { DecodeGovernor } from './decode-governor.js';

declare module '../events.js' {
  interface MoodifyEvents {
    /**
     * Models: one face or voice result, with how long it took from its media (decoded frame, or
     * the last PCM chunk of the voice window) to the result. For latency measurement (bench:e2e,
     * bench:ingest: `frameSeq` is the analysed frame's VideoFrame.seq).
     */
    analysisResult: [AnalysisResultEvent];
  }
}

export interface AnalysisResultEvent {
  roomId: string;
  participantId: string;
  modality: 'face' | 'voice';
  status: string;
  latencyMs: number;
  frameSeq?: number;
}

declare module '../app.js' {
  interface AppServices {
    analysis?: { pool: AnalysisPool };
    /** Why the models could not be loaded (the server then carries media without moods). */
    analysisError?: string;
  }
}

const analysis: FastifyPluginAsync = async (app) => {
  const { config, registry } = app.services;
  if (!config.ANALYSIS_ENABLED) {
    app.log.warn('emotion analysis is disabled (ANALYSIS_ENABLED=false)');
    return;
  }
  const logger = { info: (msg: string) => app.log.info(msg), warn: (msg: string) => app.log.warn(msg) };
  let pool: AnalysisPool;
  try {
    pool = await AnalysisPool.create({
      provider: config.MODELS_EXECUTION_PROVIDER,
      logger,
      ...(config.ANALYSIS_WORKERS > 0 && { workers: config.ANALYSIS_WORKERS }),
      steadyFps: config.ANALYSIS_STEADY_FPS,
      workerNice: config.ANALYSIS_WORKER_NICE,
      ...(config.FACE_CLASSIFIER && { classifier: config.FACE_CLASSIFIER }),
    });
  } catch (err) {
    // A missing or corrupt model file must not take the rooms and the music down with it:
    // say so loudly (log, /readyz body) and carry media without moods.
    app.services.analysisError = err instanceof Error ? err.message : String(err);
    app.log.error({ err }, 'emotion models could not be loaded: analysis is off');
    return;
  }
  app.services.analysis = { pool };
  app.log.info(
    { workers: pool.size, layout: pool.layout, provider: pool.provider, cores: os.availableParallelism() },
    'emotion analysis pool started',
  );
  // Decoders get fewer frames while the pool cannot analyse all they deliver (decode-governor.ts).
  const governor = new DecodeGovernor();
  governor.start();
  app.addHook('onClose', async () => {
    governor.stop();
    await pool.close();
  });

  const faceSeconds = new Histogram({
    name: 'moodify_analysis_face_seconds',
    help: 'decoded frame → face result (detection + expression, in a worker thread)',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    registers: [registry],
  });
  const voiceSeconds = new Histogram({
    name: 'moodify_analysis_voice_seconds',
    help: 'last PCM chunk of a 2 s window received → voice result (VAD + speech emotion, in a worker thread)',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2],
    registers: [registry],
  });
  const results = new Counter({
    name: 'moodify_analysis_results_total',
    help: 'model results by modality and status (ok, no-face, no-speech, error)',
    labelNames: ['modality', 'status'],
    registers: [registry],
  });
  const skipped: Gauge = new Gauge({
    name: 'moodify_analysis_frames_skipped_total',
    help: 'frames replaced by a newer frame of the same participant before a worker took them (latest frame wins)',
    registers: [registry],
    collect: () => skipped.set(pool.stats.framesSkipped),
  });
  const restarts: Gauge = new Gauge({
    name: 'moodify_analysis_worker_restarts_total',
    help: 'analysis worker threads that died and were restarted',
    registers: [registry],
    collect: () => restarts.set(pool.stats.workerRestarts),
  });

  const lowered: Gauge = new Gauge({
    name: 'moodify_analysis_decode_lowered',
    help: 'participants whose decoder gets a lower temporal layer because the analysis cannot keep up with the full rate',
    registers: [registry],
    collect: () => lowered.set(governor.lowered),
  });

  /** Who each analysed participant is, for routing results (set while their taps run). */
  const routes = new Map<string, Route>();
  pool.on('face', ({ participantId, seq, decodedAt, result, error }) => {
    governor.analysed(participantId);
    const route = routes.get(participantId);
    if (!route) return; // left while its last frame was analysed
    if (error !== undefined || !result) {
      results.inc({ modality: 'face', status: 'error' });
      app.log.warn({ err: error, participantId }, 'face analysis failed for a frame');
      return;
    }
    if (result.status === 'superseded') return;
    const latencyMs = performance.now() - decodedAt;
    faceSeconds.observe(latencyMs / 1000);
    results.inc({ modality: 'face', status: result.status });
    app.services.events.emit('analysisResult', {
      roomId: route.roomId,
      participantId,
      modality: 'face',
      status: result.status,
      latencyMs,
      frameSeq: seq,
    });
    app.services.mood?.observe({
      roomId: route.roomId,
      participantId,
      ...(route.userId && { userId: route.userId }),
      modality: 'face',
      reading: result.status === 'ok' ? { probabilities: result.probabilities, confidence: result.confidence } : null,
    });
  });
  pool.on('voice', ({ participantId, result }) => {
    const route = routes.get(participantId);
    if (!route) return;
    results.inc({ modality: 'voice', status: result.status });
    const arrivedAt = route.arrivals.get(Math.round(result.windowEnd / CHUNK_MS) - 1);
    if (arrivedAt !== undefined) {
      const latencyMs = performance.now() - arrivedAt;
      voiceSeconds.observe(latencyMs / 1000);
      app.services.events.emit('analysisResult', {
        roomId: route.roomId,
        participantId,
        modality: 'voice',
        status: result.status,
        latencyMs,
      });
    }
    app.services.mood?.observe({
      roomId: route.roomId,
      participantId,
      ...(route.userId && { userId: route.userId }),
      modality: 'voice',
      // a voice the speech model has only begun to learn is less reliable (models/voice/speaker-profile.ts)
      reading: result.status === 'ok' ? { probabilities: result.probabilities, confidence: result.confidence * result.reliability } : null,
    });
  });
  pool.on('voiceError', (participantId, error) => {
    results.inc({ modality: 'voice', status: 'error' });
    app.log.warn({ err: error, participantId }, 'voice analysis failed for a chunk');
  });
  pool.on('workerLost', (slot, reason) => app.log.error({ slot, reason }, 'an analysis worker died; restarting it'));

  const routeFor = (roomId: string, participantId: string): Route => {
    let route = routes.get(participantId);
    if (!route) {
      route = { roomId, userId: userIdOf(app, roomId, participantId), arrivals: new Map(), open: 0 };
      routes.set(participantId, route);
    }
    route.open++;
    return route;
  };
  const release = (participantId: string, modality: 'face' | 'voice') => {
    pool.endParticipant(participantId, modality);
    const route = routes.get(participantId);
    if (route && --route.open <= 0) routes.delete(participantId);
  };

  app.rooms.on('videoTap', ({ roomId, participantId, tap }) => {
    routeFor(roomId, participantId);
    governor.add(participantId, tap);
    void analyseVideo(pool, governor, participantId, tap, release);
  });
  app.rooms.on(
    'audioTap',
    ({ roomId, participantId, tap }) => void analyseAudio(pool, routeFor(roomId, participantId), participantId, tap, release),
  );
  app.services.events.on('peerLeft', ({ participantId }) => app.services.mood?.forget(participantId));
};

/** AudioChunk n covers [n·20 ms, (n+1)·20 ms) of the participant's stream. */
const CHUNK_MS = 20;
/** Arrival times kept per participant: 10 s of chunks, far more than a result ever lags. */
const ARRIVALS_KEPT = 500;

interface Route {
  roomId: string;
  userId: string | undefined;
  /** When each recent 20 ms chunk arrived (by chunk index), to time a voice result from its window's end. */
  arrivals: Map<number, number>;
  /** taps of this participant still running */
  open: number;
}

function userIdOf(app: FastifyInstance, roomId: string, participantId: string): string | undefined {
  return app.rooms.rooms.get(roomId)?.peers.get(participantId)?.userId;
}

async function analyseVideo(
  pool: AnalysisPool,
  governor: DecodeGovernor,
  participantId: string,
  tap: VideoTap,
  release: (id: string, m: 'face') => void,
): Promise<void> {
  try {
    // The tap's subscription keeps only the newest frame; the pool's mailbox does the same per worker.
    for await (const frame of tap.frames()) {
      governor.delivered(participantId);
      pool.submitFrame(frame);
    }
  } finally {
    governor.remove(participantId);
    release(participantId, 'face');
  }
}

async function analyseAudio(
  pool: AnalysisPool,
  route: Route,
  participantId: string,
  tap: AudioTap,
  release: (id: string, m: 'voice') => void,
): Promise<void> {
  try {
    for await (const chunk of tap.chunks()) {
      route.arrivals.set(chunk.index, chunk.receivedAt);
      route.arrivals.delete(chunk.index - ARRIVALS_KEPT);
      pool.pushAudio(chunk);
    }
  } finally {
    release(participantId, 'voice');
  }
}

export const analysisPlugin = fp(analysis, { name: 'moodify-analysis', dependencies: ['moodify-signalling'] });
