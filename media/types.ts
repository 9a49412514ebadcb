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

/** 20 ms of 16 kHz mono PCM: 320 signed 16-bit samples. */
export interface AudioChunk {
  participantId: string;
  sampleRate: 16000;
  samples: Int16Array;
  /** Index of this chunk since the stream started; chunk n covers [n*20 ms, (n+1)*20 ms). */
  index: number;
  /** Set on the first chunk after missing audio, with how many 20 ms chunks were lost. */
  gapChunks?: number;
  receivedAt: number;
}
