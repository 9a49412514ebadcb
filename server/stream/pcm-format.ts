/**
 * The one PCM format inside a room stream: signed 16-bit little-endian, 48 kHz, stereo
 * (interleaved). Every decoder produces it, the mixer works in it, the encoder reads it.
 */
export const SAMPLE_RATE = 48000;
export const CHANNELS = 2;
/** Bytes per frame (one sample for each channel). */
export const FRAME_BYTES = 2 * CHANNELS;

export const FFMPEG_PCM_ARGS = ['-f', 's16le', '-ar', String(SAMPLE_RATE), '-ac', String(CHANNELS)] as const;

export function secondsToFrames(seconds: number): number {
  return Math.max(0, Math.round(seconds * SAMPLE_RATE));
}
