/**
 * The ffmpeg command lines of the ingest decoders: an SDP on stdin describes one RTP stream;
 * raw frames (video) or 16 kHz PCM (audio) come out on stdout. Each option here costs or saves
 * latency, so each says why it is there.
 */
import { AUDIO_SAMPLE_RATE } from '../types.js';

export interface VideoOutputOptions {
  fps: number;
  width: number;
  height: number;
}

/** Reads the RTP stream an SDP on stdin describes. */
export function sdpInputOptions(logLevel: string): string[] {
  return [
    '-hide_banner',
    '-nostdin',
    '-loglevel',
    logLevel,
    '-protocol_whitelist',
    'pipe,udp,rtp',
    // Start decoding on the first packets instead of probing for seconds. Not `-fflags nobuffer`:
    // it drops the packets read while probing, and with them the keyframe the probe decoded, so
    // the decoder then waits for the sender's next keyframe (measured: 0.8–2.6 s after a restart).
    '-analyzeduration',
    '0',
    '-probesize',
    '32',
    '-flags',
    'low_delay',
    // Keep the RTP reordering buffer short: late packets are worth less than fresh frames.
    '-max_delay',
    '100000',
    '-reorder_queue_size',
    '32',
    // One decoding thread: a 320×240 stream needs no more, and fifty of them share two cores.
    // Frame threading would also hold frames back, one per thread.
    '-threads',
    '1',
    '-f',
    'sdp',
    '-i',
    'pipe:0',
  ];
}

/**
 * At most `fps` frames a second, scaled (aspect kept, padded) to width×height RGB, back to back. The first
 * frame of each 1/fps slot passes and the rest are dropped, never duplicated: a slower stream (a lower
 * temporal layer, a sender that stalls) gives fewer frames, not copies the analysis would pay for again.
 * (The fps filter would pad 3.75 frames/s up to 5 with copies, and hold each frame until the next arrived.)
 */
export function videoOutputOptions({ fps, width: w, height: h }: VideoOutputOptions): string[] {
  return [
    '-an',
    '-vf',
    `select='isnan(prev_selected_t)+gt(floor(t*${fps}),floor(prev_selected_t*${fps}))',scale=${w}:${h}:force_original_aspect_ratio=decrease:flags=bilinear,pad=${w}:${h}:(ow-iw)/2:(oh-ih)/2,format=rgb24`,
    // every selected frame as it is: no constant-rate padding
    '-fps_mode',
    'passthrough',
    '-f',
    'rawvideo',
    ...STDOUT_OUTPUT,
  ];
}

/**
 * Mono 16 kHz signed 16-bit PCM, written in blocks of AUDIO_WRITE_MS (five 20 ms chunks): one pipe read,
 * one shared buffer and one message per block instead of per chunk for the main thread, for at most 80 ms
 * more latency on a 2 s speech window.
 */
export function audioOutputOptions(): string[] {
  const samples = (AUDIO_SAMPLE_RATE * AUDIO_WRITE_MS) / 1000;
  return [
    '-vn',
    '-af',
    `aresample=${AUDIO_SAMPLE_RATE},asetnsamples=n=${samples}:p=0`,
    '-ac',
    '1',
    '-ar',
    String(AUDIO_SAMPLE_RATE),
    '-f',
    's16le',
    ...STDOUT_OUTPUT,
  ];
}

/** How much audio the decoder writes at a time. */
export const AUDIO_WRITE_MS = 100;

/**
 * One output thread: ffmpeg would otherwise frame-thread the rawvideo "encoder" and hand each
 * frame to stdout only when the next one is ready (200 ms late at 5 fps, longer after a restart).
 */
export const STDOUT_OUTPUT: readonly string[] = ['-threads', '1', 'pipe:1'];
