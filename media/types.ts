/**
 * What the media spine hands to the models: decoded, fixed-size video frames and 16 kHz mono PCM,
 * per participant. Raw media lives only in memory; nothing here is ever persisted.
 */

/** One decoded camera frame, packed RGB (3 bytes a pixel, row-major, no padding). */
export interface VideoFrame {
  participantId: string;
  width: number;
  height: number;
  format: 'rgb24';
  data: Uint8Array;
  /** When the frame left the decoder (performance.now() milliseconds). */
  decodedAt: number;
  /** Sequence number per participant stream; gaps mean frames were dropped (latest frame wins). */
  seq: number;
}

/** The analysis audio's sample rate: 16 kHz mono, what the speech models take. */
export const AUDIO_SAMPLE_RATE = 16000;
/** Samples in one AudioChunk: 20 ms at AUDIO_SAMPLE_RATE. */
export const AUDIO_CHUNK_SAMPLES = 320;

/** 20 ms of 16 kHz mono PCM: AUDIO_CHUNK_SAMPLES (320) signed 16-bit samples. */
export interface AudioChunk {
  participantId: string;
  sampleRate: typeof AUDIO_SAMPLE_RATE;
  samples: Int16Array;
  /** Index of this chunk since the stream started; chunk n covers [n*20 ms, (n+1)*20 ms). */
  index: number;
  /** Set on the first chunk after missing audio, with how many 20 ms chunks were lost. */
  gapChunks?: number;
  receivedAt: number;
}
