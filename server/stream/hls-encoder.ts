/**
 * One ffmpeg process that reads the room's mixed PCM on stdin and cuts it into AAC MPEG-TS
 * segments in `dir`. ffmpeg's segment muxer reports each finished segment on stdout (csv:
 * name,start,end), so the playlist is written by us: media sequence numbers and discontinuity
 * markers stay right across encoder restarts, which ffmpeg's own hls muxer cannot do.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { EventEmitter } from 'node:events';
import path from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { ffmpegPath } from '../../media/ffmpeg-path.js';
import { FFMPEG_PCM_ARGS } from './pcm-format.js';

export interface EncodedSegment {
  /** File name inside the encoder's directory. */
  name: string;
  sequence: number;
  /** Start and end of the segment on this encoder run's timeline, seconds. */
  startS: number;
  endS: number;
}

export interface HlsEncoderOptions {
  dir: string;
  /** Segment file names are `${prefix}${sequence}.ts`; the prefix makes them unique per stream. */
  prefix: string;
  firstSequence: number;
  segmentS: number;
  bitrateKbps: number;
}

interface EncoderEvents {
  segment: [EncodedSegment];
  exit: [{ code: number | null; signal: NodeJS.Signals | null; stderr: string }];
}

export class HlsEncoder extends EventEmitter<EncoderEvents> {
  private readonly child: ChildProcessByStdio<Writable, Readable, Readable>;
  private stdoutBuffer = '';
  private stderrTail = '';
  exited = false;

  constructor(readonly options: HlsEncoderOptions) {
    super();
    const { dir, prefix, firstSequence, segmentS, bitrateKbps } = options;
    this.child = spawn(
      ffmpegPath(),
      [
        '-nostdin', '-hide_banner', '-loglevel', 'error',
        ...FFMPEG_PCM_ARGS, '-i', 'pipe:0',
        // The 'fast' coder costs a fraction of the default two-loop search; at 128 kb/s the difference is inaudible.
        '-c:a', 'aac', '-aac_coder', 'fast', '-b:a', `${bitrateKbps}k`,
        '-f', 'segment', '-segment_time', String(segmentS), '-segment_format', 'mpegts',
        '-segment_start_number', String(firstSequence),
        '-segment_list', 'pipe:1', '-segment_list_type', 'csv',
        path.join(dir, `${prefix}%d.ts`),
      ],
      { stdio: ['pipe', 'pipe', 'pipe'] },
    );
    // A write after the encoder died fails with EPIPE; the exit handler deals with the death.
    this.child.stdin.on('error', () => {});
    this.child.stdout.on('data', (chunk: Buffer) => this.onList(chunk.toString()));
    this.child.stderr.on('data', (d: Buffer) => {
      this.stderrTail = (this.stderrTail + d.toString()).slice(-2000);
    });
    this.child.on('error', (err) => {
      this.stderrTail += String(err);
    });
    this.child.on('close', (code, signal) => {
      this.exited = true;
      this.emit('exit', { code, signal, stderr: this.stderrTail.trim() });
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Writes PCM; false when ffmpeg is not keeping up (its pipe is full). */
  write(pcm: Int16Array): boolean {
    if (this.exited || this.child.stdin.destroyed) return false;
    return this.child.stdin.write(Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength));
  }

  /** Ends the input so ffmpeg writes its last segment, then kills it if it lingers. */
  async stop(graceMs = 1000): Promise<void> {
    if (this.exited) return;
    const exited = new Promise<void>((resolve) => this.once('exit', () => resolve()));
    this.child.stdin.end();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  }

  private onList(text: string): void {
    this.stdoutBuffer += text;
    let newline: number;
    while ((newline = this.stdoutBuffer.indexOf('\n')) >= 0) {
      const line = this.stdoutBuffer.slice(0, newline).trim();
      this.stdoutBuffer = this.stdoutBuffer.slice(newline + 1);
      const [file, start, end] = line.split(',');
      const match = file ? /(\d+)\.ts$/.exec(file) : null;
      if (!match || start === undefined || end === undefined) continue;
      this.emit('segment', { name: path.basename(file!), sequence: Number(match[1]), startS: Number(start), endS: Number(end) });
    }
  }
}
