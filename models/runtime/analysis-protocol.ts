/**
 * Messages between the analysis pool (main thread) and its workers. Pixels and PCM travel in
 * SharedArrayBuffers: posting one shares the memory, nothing is copied, and the sender's other readers
 * (a benchmark, a test subscribed to the same tap) keep their view of it.
 */
import type { ClassifierName, FaceResult } from '../face/face-analyzer.js';
import type { FaceTrackingOptions } from '../face/tracker.js';
import type { VoiceResult } from '../voice/voice-analyzer.js';
import type { ExecutionProviderSetting, Provider } from './session.js';

export interface WorkerSettings {
  provider: ExecutionProviderSetting;
  classifier?: ClassifierName;
  /** largest batch per model run: 16 on CUDA (one worker batches across all participants), small on CPU */
  maxBatch?: number;
  /** how long a request waits for company in the batcher, ms */
  maxWaitMs?: number;
  tracking: FaceTrackingOptions | false;
  /** nice value of the worker threads (Linux): above the main thread's, so media keeps the cores first */
  nice: number;
  /** extra milliseconds of busy work per frame: only tests set it, to overload a worker on purpose */
  testFrameDelayMs?: number;
}

export interface FrameMessage {
  type: 'frame';
  participantId: string;
  seq: number;
  decodedAt: number;
  width: number;
  height: number;
  buffer: SharedArrayBuffer;
  byteOffset: number;
  byteLength: number;
  /** the pool is behind: analyse this frame at the lower per-frame cost (FaceAnalyzer's AnalyzeOptions.quick) */
  quick: boolean;
}

export interface PcmChunk {
  participantId: string;
  index: number;
  gapChunks?: number;
  buffer: SharedArrayBuffer;
  byteOffset: number;
  /** samples (Int16) */
  length: number;
}

export type ToWorker =
  | FrameMessage
  | { type: 'audio'; chunks: PcmChunk[] }
  | { type: 'end'; participantId: string; modality: 'face' | 'voice' }
  /** finish what is running, then exit (terminating a thread inside onnxruntime aborts the process) */
  | { type: 'close' }
  /** tests and chaos checks: throw an uncaught error once idle, as a bug would */
  | { type: 'crash' };

export type FromWorker =
  | { type: 'ready'; threadId: number; providers: { face: Provider; voice: Provider } }
  | { type: 'fatal'; name: string; message: string }
  | { type: 'face'; participantId: string; seq: number; decodedAt: number; result?: FaceResult; error?: string }
  | { type: 'voice'; participantId: string; result: VoiceResult }
  | { type: 'voiceError'; participantId: string; error: string }
  | { type: 'log'; level: 'info' | 'warn'; message: string };
