/**
 * Taps one producer on the server: a PlainTransport consumer sends its RTP to an ffmpeg process
 * that reads an SDP from stdin and writes raw frames (video) or 16 kHz PCM (audio) to stdout.
 *
 * Order matters for a fast start: the consumer is created paused, ffmpeg is started and must
 * have bound its port before the consumer resumes, then a keyframe is requested so decoding
 * starts at once instead of at the sender's next periodic keyframe. A dying ffmpeg is restarted
 * on the same port; everything is released by close().
 */
import type { ChildProcessWithoutNullStreams } from 'node:child_process';

import type { types as ms } from 'mediasoup';

import { BoundedQueue } from '../bounded-queue.js';
import { AUDIO_CHUNK_SAMPLES, AUDIO_SAMPLE_RATE, type AudioChunk, type VideoFrame } from '../types.js';
import { AUDIO_WRITE_MS, audioOutputOptions, sdpInputOptions, videoOutputOptions } from './decoder-args.js';
import { launchDecoder } from './decoder-launcher.js';
import type { IngestMetrics } from './metrics.js';
import { sdpForConsumer } from './sdp.js';
import { releasePortPair, reservePortPair, waitForUdpBind } from './udp-ports.js';

export interface TapOptions {
  router: ms.Router;
  producer: ms.Producer;
  participantId: string;
  metrics: IngestMetrics;
  /** Video: frames per second handed to the analysis (default 5) and their size (default 320×240). */
  fps?: number;
  width?: number;
  height?: number;
  log?: (level: 'info' | 'warn', msg: string, extra?: Record<string, unknown>) => void;
}

const AUDIO_CHUNK_BYTES = AUDIO_CHUNK_SAMPLES * 2;
/**
 * Silence longer than this while the producer is active counts as an underrun: 200 ms beyond the block the
 * decoder writes at once (the first chunk of a block is that much older than the block's arrival).
 */
const AUDIO_GAP_TOLERANCE_CHUNKS = (200 + AUDIO_WRITE_MS) / 20;

export abstract class ProducerTap {
  protected readonly kind: 'audio' | 'video';
  protected ffmpeg: ChildProcessWithoutNullStreams | undefined;
  private transport: ms.PlainTransport | undefined;
  private consumer: ms.Consumer | undefined;
  private port = 0;
  private closed = false;
  private restartTimer: NodeJS.Timeout | undefined;
  private keyframeTimer: NodeJS.Timeout | undefined;
  private startedAt = 0;
  private gotOutput = false;
  private boundSeconds = 0;
  restarts = 0;

  protected constructor(protected readonly options: TapOptions) {
    this.kind = options.producer.kind;
  }

  get pid(): number | undefined {
    return this.ffmpeg?.pid;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  async start(): Promise<void> {
    const { router, producer } = this.options;
    this.port = await reservePortPair();
    this.transport = await router.createPlainTransport({
      listenInfo: { protocol: 'udp', ip: '127.0.0.1' },
      rtcpMux: false,
      comedia: false,
    });
    this.consumer = await this.transport.consume({
      producerId: producer.id,
      rtpCapabilities: router.rtpCapabilities,
      paused: true,
    });
    this.consumer.on('producerclose', () => void this.close());
    this.consumer.on('transportclose', () => void this.close());
    await this.transport.connect({ ip: '127.0.0.1', port: this.port, rtcpPort: this.port + 1 });
    await this.preferAnalysisLayer();
    await this.spawnDecoder();
    if (this.closed) return;
    await this.consumer.resume();
    await this.requestKeyFrame();
  }

  /**
   * Decode only what is analysed: when the sender codes temporal layers (VP8 L1T2/L1T3), this consumer
   * takes the lowest layer that still carries the analysis rate, so the decoder gets e.g. 6 of the 12
   * frames a second instead of all of them. Other consumers of the producer (watchers) keep every layer.
   */
  private async preferAnalysisLayer(): Promise<void> {
    if (this.temporalLayers <= 1) return;
    const encoding = this.options.producer.rtpParameters.encodings?.[0];
    const temporalLayer = analysisTemporalLayer(encoding?.scalabilityMode, this.options.fps ?? 5);
    if (temporalLayer === undefined) return;
    this.analysisLayer = temporalLayer;
    await this.setTemporalLayer(temporalLayer);
    this.options.log?.('info', 'decoding a temporal layer', {
      participantId: this.options.participantId,
      temporalLayer,
      scalabilityMode: encoding?.scalabilityMode,
    });
  }

  /** Temporal layers the sender codes (1: none, or not a stream this consumer can thin out). */
  get temporalLayers(): number {
    if (this.kind !== 'video' || this.consumer?.type !== 'simulcast') return 1;
    return temporalLayerCount(this.options.producer.rtpParameters.encodings?.[0]?.scalabilityMode);
  }

  /** The layer that carries the analysis rate (undefined: the stream has no layers). */
  analysisLayer: number | undefined;

  /** The temporal layer the router forwards now (it may lag the preferred one, or fall below it while the sender's stream is poor). */
  get forwardedTemporalLayer(): number | undefined {
    return this.consumer?.currentLayers?.temporalLayer;
  }

  /** The temporal layer this consumer is set to forward to the decoder (undefined: the stream has no layers). */
  get temporalLayer(): number | undefined {
    return this.temporalLayers > 1 ? this.consumer?.preferredLayers?.temporalLayer : undefined;
  }

  /**
   * Forward temporal layers up to `layer` only (clamped to the stream's): the decoder then decodes that
   * layer's rate. The analysis lowers it while it cannot use every decoded frame.
   */
  async setTemporalLayer(layer: number): Promise<void> {
    const layers = this.temporalLayers;
    if (layers <= 1 || this.closed) return;
    const t = Math.max(0, Math.min(layers - 1, Math.round(layer)));
    if (t === this.temporalLayer) return;
    await this.consumer!.setPreferredLayers({ spatialLayer: 0, temporalLayer: t }).catch(() => {});
  }

  /** Kills the decoder as a crash would (tests and chaos checks). */
  killDecoder(signal: NodeJS.Signals = 'SIGKILL'): void {
    this.ffmpeg?.kill(signal);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.restartTimer);
    clearInterval(this.keyframeTimer);
    const ffmpeg = this.ffmpeg;
    this.ffmpeg = undefined;
    if (ffmpeg && ffmpeg.exitCode === null && ffmpeg.signalCode === null) {
      const exited = new Promise((resolve) => ffmpeg.once('exit', resolve));
      ffmpeg.kill('SIGKILL');
      await exited;
    }
    this.consumer?.close();
    this.transport?.close();
    if (this.port) releasePortPair(this.port);
    this.closeOutput();
  }

  /** ffmpeg's output options, ending with stdout. */
  protected abstract outputOptions(): string[];
  protected abstract onStdout(chunk: Buffer): void;
  protected abstract closeOutput(): void;
  protected abstract onDecoderStarted(): void;

  /** Called by subclasses when decoded output arrives. */
  protected noteOutput(): void {
    if (this.gotOutput) return;
    this.gotOutput = true;
    clearInterval(this.keyframeTimer);
    const seconds = (performance.now() - this.startedAt) / 1000;
    this.options.metrics.firstFrameSeconds.observe({ kind: this.kind }, seconds);
    this.options.log?.('info', 'decoder delivering', {
      participantId: this.options.participantId,
      kind: this.kind,
      startSeconds: seconds,
      boundSeconds: this.boundSeconds,
    });
  }

  private async spawnDecoder(): Promise<void> {
    const sdp = sdpForConsumer(this.kind, this.consumer!.rtpParameters, this.port);
    const ffmpeg = launchDecoder([...sdpInputOptions(process.env.MOODIFY_FFMPEG_LOGLEVEL || 'error'), ...this.outputOptions()], sdp);
    this.ffmpeg = ffmpeg;
    this.startedAt = performance.now();
    this.gotOutput = false;
    this.options.metrics.activeDecoders.inc({ kind: this.kind });
    let stderr = '';
    ffmpeg.stderr.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-2000);
    });
    ffmpeg.stdout.on('data', (chunk: Buffer) => this.onStdout(chunk));
    ffmpeg.once('exit', (code, signal) => {
      this.options.metrics.activeDecoders.dec({ kind: this.kind });
      if (this.closed || this.ffmpeg !== ffmpeg) return;
      this.options.log?.('warn', 'decoder exited; restarting it', {
        participantId: this.options.participantId,
        kind: this.kind,
        code,
        signal,
        stderr: stderr.trim().slice(-500),
      });
      this.restarts++;
      this.options.metrics.decoderRestarts.inc({ participant: this.options.participantId, kind: this.kind });
      this.restartTimer = setTimeout(() => void this.restart(), 10);
    });
    this.onDecoderStarted();
    const bound = await waitForUdpBind(this.port, 3000, () => ffmpeg.exitCode === null && ffmpeg.signalCode === null);
    this.boundSeconds = (performance.now() - this.startedAt) / 1000;
    if (!bound && !this.closed) this.options.log?.('warn', 'decoder did not bind its port in time', { port: this.port });
  }

  private async restart(): Promise<void> {
    if (this.closed) return;
    try {
      await this.spawnDecoder();
      await this.requestKeyFrame();
    } catch (err) {
      this.options.log?.('warn', 'decoder restart failed', { err: String(err) });
    }
  }

  /** Ask the sender for a keyframe now, and again every 300 ms until the first frame decodes. */
  private async requestKeyFrame(): Promise<void> {
    if (this.kind !== 'video' || this.closed) return;
    const ask = () => this.consumer?.requestKeyFrame().catch(() => {});
    await ask();
    clearInterval(this.keyframeTimer);
    this.keyframeTimer = setInterval(() => {
      if (this.gotOutput || this.closed) clearInterval(this.keyframeTimer);
      else void ask();
    }, 300);
  }
}

/**
 * The sender's full frame rate, which RTP parameters do not carry: the capture client sends 12 fps and
 * the bench 15. Taken as 15, a 12 fps L1T3 stream gives the analysis its middle layer, 6 fps.
 */
const ASSUMED_SENDER_FPS = 15;

/**
 * The lowest temporal layer of an `L1Tn` stream whose frame rate reaches `analysisFps`, or undefined when
 * the stream has no temporal layers. Layers are dyadic: layer t of n carries fps / 2^(n-1-t).
 */
export function analysisTemporalLayer(
  scalabilityMode: string | undefined,
  analysisFps: number,
  senderFps = ASSUMED_SENDER_FPS,
): number | undefined {
  const layers = temporalLayerCount(scalabilityMode);
  if (!(layers > 1)) return undefined;
  for (let t = 0; t < layers - 1; t++) if (senderFps / 2 ** (layers - 1 - t) >= analysisFps) return t;
  return layers - 1;
}

/** Temporal layers of an `L1Tn` scalability mode; 1 for anything else (no layers, or spatial ones). */
export function temporalLayerCount(scalabilityMode: string | undefined): number {
  return Number(/^L1T(\d)$/.exec(scalabilityMode ?? '')?.[1] ?? 1);
}

/**
 * Video frames, sampled at `fps`, scaled (aspect kept, padded) to width×height RGB. Each reader
 * (the analysis, a benchmark, a test) subscribes with frames() and gets its own one-slot stream:
 * latest frame wins for each of them, and a slow reader never holds up another.
 */
export class VideoTap extends ProducerTap {
  private readonly subscribers = new Set<BoundedQueue<VideoFrame>>();
  private readonly width: number;
  private readonly height: number;
  /** The frame being filled from ffmpeg's stdout, and how many of its bytes are in. */
  private filling: Uint8Array;
  private filled = 0;
  private seq = 0;

  constructor(options: TapOptions) {
    super(options);
    this.width = options.width ?? 320;
    this.height = options.height ?? 240;
    this.filling = this.newFrameBuffer();
  }

  /** A new subscription to this tap's frames; it ends when the tap closes (or on its close()). */
  frames(): BoundedQueue<VideoFrame> {
    const subscription = new BoundedQueue<VideoFrame>(1);
    this.subscribers.add(subscription);
    return subscription;
  }

  protected outputOptions(): string[] {
    return videoOutputOptions({ fps: this.options.fps ?? 5, width: this.width, height: this.height });
  }

  protected onDecoderStarted(): void {
    // A restarted decoder starts a fresh byte stream.
    this.filled = 0;
  }

  /**
   * Each frame gets its own SharedArrayBuffer, filled straight from the pipe (the one copy a frame
   * costs): the analysis workers read it where it is, and every subscriber sees the same pixels.
   */
  private newFrameBuffer(): Uint8Array {
    return new Uint8Array(new SharedArrayBuffer(this.width * this.height * 3));
  }

  protected onStdout(chunk: Buffer): void {
    let offset = 0;
    while (offset < chunk.length) {
      const take = Math.min(chunk.length - offset, this.filling.length - this.filled);
      this.filling.set(chunk.subarray(offset, offset + take), this.filled);
      this.filled += take;
      offset += take;
      if (this.filled < this.filling.length) break;
      const data = this.filling;
      this.filling = this.newFrameBuffer();
      this.filled = 0;
      this.deliver(data);
    }
  }

  private deliver(data: Uint8Array): void {
    this.noteOutput();
    const decoded: VideoFrame = {
      participantId: this.options.participantId,
      width: this.width,
      height: this.height,
      format: 'rgb24',
      data,
      decodedAt: performance.now(),
      seq: this.seq++,
    };
    const { metrics, participantId } = this.options;
    metrics.framesDecoded.inc({ participant: participantId });
    for (const subscriber of this.subscribers) {
      if (subscriber.isClosed) {
        this.subscribers.delete(subscriber);
        continue;
      }
      const before = subscriber.dropped;
      subscriber.push(decoded);
      if (subscriber.dropped > before) metrics.framesDropped.inc({ participant: participantId });
    }
  }

  protected closeOutput(): void {
    for (const subscriber of this.subscribers) subscriber.close();
    this.subscribers.clear();
  }
}

/**
 * 16 kHz mono PCM in 20 ms chunks, in order. Gaps (no audio for a while although the tap is
 * running: a paused or stalled sender, a restarted decoder) are reported on the next chunk as
 * `gapChunks`, never hidden by inserting silence.
 */
export class AudioTap extends ProducerTap {
  private readonly subscribers = new Set<BoundedQueue<AudioChunk>>();
  private remainder = Buffer.alloc(0);
  private index = 0;
  private clockStart = 0;

  constructor(options: TapOptions) {
    super(options);
  }

  /** A new subscription to this tap's chunks, holding at most `queueSeconds` for a slow reader. */
  chunks(queueSeconds = 10): BoundedQueue<AudioChunk> {
    const subscription = new BoundedQueue<AudioChunk>(Math.round((queueSeconds * 1000) / 20));
    this.subscribers.add(subscription);
    return subscription;
  }

  protected outputOptions(): string[] {
    return audioOutputOptions();
  }

  protected onDecoderStarted(): void {
    this.remainder = Buffer.alloc(0);
  }

  protected onStdout(chunk: Buffer): void {
    let data = this.remainder.length ? Buffer.concat([this.remainder, chunk]) : chunk;
    const now = performance.now();
    if (this.clockStart === 0) this.clockStart = now;
    const { metrics, participantId } = this.options;
    const whole = Math.floor(data.length / AUDIO_CHUNK_BYTES);
    if (whole > 0) {
      // Copy: the chunks outlive this stdout buffer, which Node may reuse. One shared buffer for the
      // block (the decoder writes 100 ms at a time), so the analysis worker reads it without another copy.
      const block = new Int16Array(new SharedArrayBuffer(whole * AUDIO_CHUNK_BYTES));
      new Uint8Array(block.buffer).set(data.subarray(0, whole * AUDIO_CHUNK_BYTES));
      data = data.subarray(whole * AUDIO_CHUNK_BYTES);
      this.noteOutput();
      for (let n = 0; n < whole; n++) {
        const samples = block.subarray(n * AUDIO_CHUNK_SAMPLES, (n + 1) * AUDIO_CHUNK_SAMPLES);
        const expected = Math.floor((now - this.clockStart) / 20);
        let gapChunks: number | undefined;
        if (expected - this.index > AUDIO_GAP_TOLERANCE_CHUNKS) {
          gapChunks = expected - this.index;
          this.index = expected;
          metrics.audioUnderruns.inc({ participant: participantId });
        }
        const audio: AudioChunk = {
          participantId,
          sampleRate: AUDIO_SAMPLE_RATE,
          samples,
          index: this.index++,
          ...(gapChunks !== undefined && { gapChunks }),
          receivedAt: now,
        };
        for (const subscriber of this.subscribers) {
          if (subscriber.isClosed) this.subscribers.delete(subscriber);
          else subscriber.push(audio);
        }
      }
      metrics.audioChunks.inc({ participant: participantId }, whole);
    }
    this.remainder = Buffer.from(data);
  }

  protected closeOutput(): void {
    for (const subscriber of this.subscribers) subscriber.close();
    this.subscribers.clear();
  }
}
