/**
 * Decodes one track file to the stream's PCM format with its own ffmpeg process, reading at
 * most `maxAheadS` seconds ahead of the mixer (ffmpeg blocks on the full pipe meanwhile), so a
 * room holds a few megabytes of audio, not whole tracks.
 */
import { type ChildProcessByStdio, spawn } from 'node:child_process';
import type { Readable } from 'node:stream';

import { ffmpegPath } from '../../media/ffmpeg-path.js';
import { FFMPEG_PCM_ARGS, FRAME_BYTES, SAMPLE_RATE } from './pcm-format.js';

/** A source of stream-format PCM the mixer pulls from. */
export interface PcmSource {
  /** Frames that can be read right now. */
  readonly bufferedFrames: number;
  /** No frames will arrive beyond those buffered (end of file, or the decoder failed). */
  readonly finished: boolean;
  /** Set when the source already applied the track's loudness gain (the mixer then does not). */
  readonly appliedGain?: number;
  /** Takes up to `frames` frames (fewer when fewer are buffered). */
  read(frames: number): Int16Array;
  close(): void;
}

export class TrackDecoder implements PcmSource {
  private readonly chunks: Buffer[] = [];
  private bufferedBytes = 0;
  private ended = false;
  private closed = false;
  private readonly maxAheadBytes: number;
  private readonly child: ChildProcessByStdio<null, Readable, Readable>;
  private stderr = '';
  /** Set when ffmpeg exits with an error (unreadable file, bad data). */
  error: Error | undefined;

  /**
   * `gain` (linear) is the track's loudness gain: ffmpeg applies it while it decodes (natively,
   * in one burst), so the mixer copies the samples of a track playing alone instead of scaling
   * each one in JavaScript, four times a second in every room.
   */
  constructor(
    readonly filePath: string,
    readonly appliedGain = 1,
    maxAheadS = 10,
  ) {
    this.maxAheadBytes = Math.ceil(maxAheadS * SAMPLE_RATE) * FRAME_BYTES;
    const volume = appliedGain === 1 ? [] : ['-af', `volume=${appliedGain.toFixed(5)}`];
    this.child = spawn(
      ffmpegPath(),
      ['-nostdin', '-hide_banner', '-loglevel', 'error', '-i', filePath, '-vn', '-map', '0:a:0', ...volume, ...FFMPEG_PCM_ARGS, 'pipe:1'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.child.stdout.on('data', (chunk: Buffer) => {
      this.chunks.push(chunk);
      this.bufferedBytes += chunk.length;
      if (this.bufferedBytes >= this.maxAheadBytes) this.child.stdout.pause();
    });
    this.child.stdout.on('end', () => (this.ended = true));
    this.child.stderr.on('data', (d: Buffer) => {
      if (this.stderr.length < 2000) this.stderr += d.toString();
    });
    this.child.on('error', (err) => {
      this.error = err;
      this.ended = true;
    });
    this.child.on('exit', (code) => {
      if (code !== 0 && !this.closed) {
        this.error = new Error(`ffmpeg could not decode ${filePath} (exit ${code}): ${this.stderr.trim().slice(0, 500)}`);
      }
      this.ended = true;
    });
  }

  get bufferedFrames(): number {
    return Math.floor(this.bufferedBytes / FRAME_BYTES);
  }

  get finished(): boolean {
    return this.ended;
  }

  read(frames: number): Int16Array {
    const wanted = Math.min(frames, this.bufferedFrames) * FRAME_BYTES;
    const head = this.chunks[0];
    if (head && head.length >= wanted && head.byteOffset % 2 === 0) {
      // Within one chunk: a view, no copy (the mixer copies it into its output anyway).
      const view = new Int16Array(head.buffer, head.byteOffset, wanted / 2);
      if (wanted === head.length) this.chunks.shift();
      else this.chunks[0] = head.subarray(wanted);
      this.consumed(wanted);
      return view;
    }
    const samples = new Int16Array(wanted / 2);
    const out = Buffer.from(samples.buffer);
    let filled = 0;
    while (filled < wanted) {
      const head = this.chunks[0]!;
      const take = Math.min(head.length, wanted - filled);
      head.copy(out, filled, 0, take);
      filled += take;
      if (take === head.length) this.chunks.shift();
      else this.chunks[0] = head.subarray(take);
    }
    this.consumed(wanted);
    return samples;
  }

  private consumed(bytes: number): void {
    this.bufferedBytes -= bytes;
    if (!this.ended && this.bufferedBytes < this.maxAheadBytes / 2) this.child.stdout.resume();
  }

  /** Resolves once `frames` frames are buffered or the decoder finished. */
  async waitForFrames(frames: number, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.ended && this.bufferedFrames < frames && !this.error) {
      if (Date.now() > deadline) throw new Error(`decoding ${this.filePath} produced no audio within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 20));
    }
    if (this.error && this.bufferedFrames === 0) throw this.error;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.chunks.length = 0;
    this.bufferedBytes = 0;
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }
}
