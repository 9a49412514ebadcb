/**
 * The analysis pipeline: every decoded stream the rooms announce goes through the emotion models,
 * and every reading goes to the mood engine. Media → models → mood, in memory only.
 *
 * Video: the tap's latest frame (5 fps by default) → FaceAnalyzer (batched across participants;
 * a frame that arrives while the previous is still queued replaces it). Audio: every 20 ms chunk →
 * the participant's VoiceStream (Silero VAD gates the speech-emotion model; silence is reported
 * as "no speech", which fusion treats as a missing voice).
 */
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import { Histogram, Counter } from 'prom-client';
import { FaceAnalyzer } from '../../models/face/face-analyzer.js';
import { VoiceAnalyzer } from '../../models/voice/voice-analyzer.js';
import type { AudioTap, VideoTap } from '../../media/ingest/producer-tap.js';

declare module '../events.js' {
  interface MoodifyEvents {
    /**
     * Models: one face or voice result, with how long it took from its media (decoded frame, or
     * the last PCM chunk of the voice window) to the result. For latency measurement (bench:e2e).
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
}

declare module '../app.js' {
  interface AppServices {
    analysis?: { face: FaceAnalyzer; voice: VoiceAnalyzer };
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
  const provider = config.MODELS_EXECUTION_PROVIDER;
  let face: FaceAnalyzer;
  let voice: VoiceAnalyzer;
  try {
    [face, voice] = await Promise.all([
      FaceAnalyzer.create({ provider, logger, ...(config.FACE_CLASSIFIER && { classifier: config.FACE_CLASSIFIER }) }),
      VoiceAnalyzer.create({ provider, logger }),
    ]);
  } catch (err) {
    // A missing or corrupt model file must not take the rooms and the music down with it:
    // say so loudly (log, /readyz body) and carry media without moods.
    app.services.analysisError = err instanceof Error ? err.message : String(err);
    app.log.error({ err }, 'emotion models could not be loaded: analysis is off');
    return;
  }
  app.services.analysis = { face, voice };
  app.addHook('onClose', async () => {
    face.close();
    voice.close();
  });

  const faceSeconds = new Histogram({
    name: 'moodify_analysis_face_seconds',
    help: 'decoded frame → face result (detection + expression, batched)',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    registers: [registry],
  });
  const voiceSeconds = new Histogram({
    name: 'moodify_analysis_voice_seconds',
    help: 'last PCM chunk of a 2 s window received → voice result (VAD + speech emotion, batched)',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2],
    registers: [registry],
  });
  const results = new Counter({
    name: 'moodify_analysis_results_total',
    help: 'model results by modality and status (ok, no-face, no-speech, error)',
    labelNames: ['modality', 'status'],
    registers: [registry],
  });

  app.rooms.on('videoTap', ({ roomId, participantId, tap }) => void analyseVideo(app, roomId, participantId, tap, face, faceSeconds, results));
  app.rooms.on('audioTap', ({ roomId, participantId, tap }) => void analyseAudio(app, roomId, participantId, tap, voice, voiceSeconds, results));
  app.services.events.on('peerLeft', ({ participantId }) => app.services.mood?.forget(participantId));
};

/** AudioChunk n covers [n·20 ms, (n+1)·20 ms) of the participant's stream. */
const CHUNK_MS = 20;
/** Arrival times kept per participant: 10 s of chunks, far more than a result ever lags. */
const ARRIVALS_KEPT = 500;

function userIdOf(app: FastifyInstance, roomId: string, participantId: string): string | undefined {
  return app.rooms.rooms.get(roomId)?.peers.get(participantId)?.userId;
}

async function analyseVideo(
  app: FastifyInstance, roomId: string, participantId: string, tap: VideoTap, face: FaceAnalyzer,
  faceSeconds: Histogram, results: Counter<'modality' | 'status'>,
): Promise<void> {
  const userId = userIdOf(app, roomId, participantId);
  for await (const frame of tap.frames()) {
    try {
      const result = await face.analyze(frame);
      if (result.status === 'superseded') continue;
      const latencyMs = performance.now() - frame.decodedAt;
      faceSeconds.observe(latencyMs / 1000);
      results.inc({ modality: 'face', status: result.status });
      app.services.events.emit('analysisResult', { roomId, participantId, modality: 'face', status: result.status, latencyMs });
      app.services.mood?.observe({
        roomId, participantId, ...(userId && { userId }), modality: 'face',
        reading: result.status === 'ok' ? { probabilities: result.probabilities, confidence: result.confidence } : null,
      });
    } catch (err) {
      results.inc({ modality: 'face', status: 'error' });
      app.log.warn({ err, participantId }, 'face analysis failed for a frame');
    }
  }
}

async function analyseAudio(
  app: FastifyInstance, roomId: string, participantId: string, tap: AudioTap, voice: VoiceAnalyzer,
  voiceSeconds: Histogram, results: Counter<'modality' | 'status'>,
): Promise<void> {
  const userId = userIdOf(app, roomId, participantId);
  const stream = voice.stream(participantId);
  // When each recent 20 ms chunk arrived (by chunk index), to time a result from its window's end.
  const arrivals = new Map<number, number>();
  stream.onResult((result) => {
    results.inc({ modality: 'voice', status: result.status });
    const arrivedAt = arrivals.get(Math.round(result.windowEnd / CHUNK_MS) - 1);
    if (arrivedAt !== undefined) {
      const latencyMs = performance.now() - arrivedAt;
      voiceSeconds.observe(latencyMs / 1000);
      app.services.events.emit('analysisResult', { roomId, participantId, modality: 'voice', status: result.status, latencyMs });
    }
    app.services.mood?.observe({
      roomId, participantId, ...(userId && { userId }), modality: 'voice',
      // a voice the speech model has only begun to learn is less reliable (models/voice/speaker-profile.ts)
      reading: result.status === 'ok' ? { probabilities: result.probabilities, confidence: result.confidence * result.reliability } : null,
    });
  });
  stream.onError((err) => {
    results.inc({ modality: 'voice', status: 'error' });
    app.log.warn({ err, participantId }, 'voice analysis failed for a chunk');
  });
  try {
    for await (const chunk of tap.chunks()) {
      arrivals.set(chunk.index, chunk.receivedAt);
      arrivals.delete(chunk.index - ARRIVALS_KEPT);
      stream.push(chunk);
    }
  } finally {
    voice.closeStream(participantId);
  }
}

export const analysisPlugin = fp(analysis, { name: 'moodify-analysis', dependencies: ['moodify-signalling'] });
