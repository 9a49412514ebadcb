/**
 * The one PCM format inside a room stream: signed 16-bit little-endian, 44.1 kHz, stereo
 * (interleaved). Every decoder produces it, the mixer works in it, the encoder reads it.
 * 44.1 kHz rather than 48: most music is mastered at 44.1 (no resampling in the decoder), and
 * the AAC encoder has ~8% fewer frames to code per second, in every room.
 */
export const SAMPLE_RATE = 44100;
export const CHANNELS = 2;
/** Bytes per frame (one sample for each channel). */
export const FRAME_BYTES = 2 * CHANNELS;
/** Samples (per channel) in one AAC frame: parts and segments are whole numbers of these. */
export const AAC_FRAME_SAMPLES = 1024;

export const FFMPEG_PCM_ARGS = ['-f', 's16le', '-ar', String(SAMPLE_RATE), '-ac', String(CHANNELS)] as const;

export function secondsToFrames(seconds: number): number {
  return Math.max(0, Math.round(seconds * SAMPLE_RATE));
}
