/**
 * Speech emotion from 16 kHz PCM, per participant, gated by Silero VAD.
 *
 *   const va = await VoiceAnalyzer.create();
 *   const s = va.stream('alice');
 *   s.onResult((r) => …);          // or: for await (const r of s) …
 *   s.push(chunk);                  // AudioChunk: 20 ms, 320 Int16 samples
 *
 * Every `hopMs` (default 1000 ms) of stream time the stream looks at the last 2 s of audio. If Silero
 * found speech in less than `minSpeechFraction` of it, the consumer gets { status: 'no-speech' } (no
 * emotion is guessed from silence or noise). Otherwise the 2 s window goes to the speech-emotion model,
 * batched with other participants' windows (latest window wins per participant), and the consumer gets
 * { status: 'ok', label8, probabilities8, label, probabilities (7, FER order), confidence, windowEnd }.
 * Gaps (AudioChunk.gapChunks) are filled with silence; a gap longer than the window restarts the stream.
 *
 * The default model (ser_speaker_lr.onnx) adapts to each speaker: every stream keeps a SpeakerProfile of
 * its own speech windows (in memory only) and each window is scored against it, so a participant's first
 * seconds are scored against an average voice and later ones against their own. A model without the
 * speaker inputs (ser_mfcc_cnn_lstm.onnx, `serFile`) is run as before.
 */
import type { AudioChunk } from '../../media/types.js';
import { FER_LABELS, type FerLabel } from '../../vocabulary/emotions.js';
import { argmax } from '../argmax.js';
import { BatchScheduler, defaultMaxBatch } from '../runtime/batcher.js';
import { loadModel, ModelLoadError, ort, type ExecutionProviderSetting, type LoadedModel, type ModelLogger, type Provider } from '../runtime/session.js';
import { SpeakerProfile, speakerReliability, type SpeakerSnapshot } from './speaker-profile.js';
import { SileroVad, VadState, VAD_FILE, VAD_WINDOW } from './vad.js';

export const SER_FILE = 'voice/ser_speaker_lr.onnx';
export const SAMPLE_RATE = 16000;
/** Model window: 2.0 s. */
export const WINDOW = 32000;
export const RAVDESS_LABELS = ['neutral', 'calm', 'happy', 'sad', 'angry', 'fearful', 'disgust', 'surprised'] as const;
export type RavdessLabel = (typeof RAVDESS_LABELS)[number];
/** RAVDESS → FER: calm and neutral both count as neutral (the graph folds probabilities the same way). */
export const RAVDESS_TO_FER: Record<RavdessLabel, FerLabel> = {
  neutral: 'neutral', calm: 'neutral', happy: 'happy', sad: 'sad', angry: 'angry', fearful: 'fear', disgust: 'disgust', surprised: 'surprise',
};

export type VoiceResult =
  | {
      status: 'ok';
      label8: RavdessLabel;
      probabilities8: number[];
      label: FerLabel;
      /** FER order (vocabulary/emotions.ts) */
      probabilities: number[];
      confidence: number;
      /** stream time (ms) at the end of the analysed window */
      windowEnd: number;
      speechFraction: number;
      /** speech windows of this speaker the model compared against (0 = cold start; absent for models that do not adapt) */
      speakerWindows?: number;
      /** 0..1: how far to trust this result relative to the model's accuracy on a learnt voice (1 for models that do not adapt); fusion scales the confidence by it */
      reliability: number;
    }
  | { status: 'no-speech'; windowEnd: number; speechFraction: number; reason?: 'silence' | 'too-short' | 'empty' };

export class InvalidAudioError extends Error {
  constructor(detail: string) {
    super(`invalid audio: ${detail}`);
    this.name = 'InvalidAudioError';
  }
}

export interface VoiceAnalyzerOptions {
  serFile?: string;
  vadFile?: string;
  provider?: ExecutionProviderSetting;
  threads?: number;
  logger?: ModelLogger;
  maxBatch?: number;
  maxWaitMs?: number;
  /** how often a stream emits a result, in ms of audio (default 1000) */
  hopMs?: number;
  /** Silero probability above which a 32 ms frame counts as speech (default 0.5) */
  vadThreshold?: number;
  /** share of the 2 s window that must be speech for an emotion estimate (default 0.25) */
  minSpeechFraction?: number;
  /** results kept for a slow async-iterator consumer; older ones are dropped (default 16) */
  maxBufferedResults?: number;
}

interface SerJob {
  window: Float32Array;
  speaker: SpeakerSnapshot | null;
}

interface SerOutput {
  p8: number[];
  p7: number[];
  /** the window's features, for the speaker profile (speaker-adaptive models only) */
  features: Float32Array | null;
}

interface VadJob {
  state: VadState;
  frame: Float32Array;
  resolve: (p: number) => void;
  reject: (e: unknown) => void;
}

export class VoiceAnalyzer {
  readonly providers: { ser: Provider; vad: Provider };
  readonly opts: Required<Pick<VoiceAnalyzerOptions, 'hopMs' | 'vadThreshold' | 'minSpeechFraction' | 'maxBufferedResults'>>;
  /** length of the speaker-statistics inputs; 0 when the speech model does not adapt to speakers */
  readonly speakerDim: number;
  private readonly serQ: BatchScheduler<SerJob, SerOutput>;
  private readonly streams = new Map<string, VoiceStream>();
  private vadQueue: VadJob[] = [];
  private vadTimer: NodeJS.Timeout | null = null;
  private vadRunning = false;

  private constructor(
    private readonly ser: LoadedModel,
    private readonly vad: SileroVad,
    o: VoiceAnalyzerOptions,
  ) {
    this.providers = { ser: ser.provider, vad: vad.model.provider };
    this.speakerDim = speakerInputDim(ser);
    this.opts = {
      hopMs: o.hopMs ?? 1000,
      vadThreshold: o.vadThreshold ?? 0.5,
      minSpeechFraction: o.minSpeechFraction ?? 0.25,
      maxBufferedResults: o.maxBufferedResults ?? 16,
    };
    if (!(this.opts.hopMs >= 20)) throw new Error('hopMs must be at least 20');
    this.serQ = new BatchScheduler({ run: (w) => this.runSer(w), maxBatch: o.maxBatch ?? defaultMaxBatch(ser.provider), maxWaitMs: o.maxWaitMs ?? 2 });
  }

  static async create(opts: VoiceAnalyzerOptions = {}): Promise<VoiceAnalyzer> {
    const load = { provider: opts.provider, threads: opts.threads, logger: opts.logger };
    const [ser, vad] = await Promise.all([loadModel(opts.serFile ?? SER_FILE, load), SileroVad.load(opts.vadFile ?? VAD_FILE, load)]);
    return new VoiceAnalyzer(ser, vad, opts);
  }

  get stats() {
    return { ser: this.serQ.stats };
  }

  /** The stream of one participant (created on first use; the same object afterwards). */
  stream(participantId: string): VoiceStream {
    let s = this.streams.get(participantId);
    if (!s) {
      s = new VoiceStream(this, participantId);
      this.streams.set(participantId, s);
    }
    return s;
  }

  /** Ends a participant's stream (its iterator finishes). */
  closeStream(participantId: string): void {
    this.streams.get(participantId)?.close();
    this.streams.delete(participantId);
  }

  close(): void {
    for (const id of [...this.streams.keys()]) this.closeStream(id);
    this.serQ.close();
  }

  /**
   * Whole-clip analysis (evaluation, tests): the clip is streamed in 20 ms chunks with a 500 ms hop and
   * a final window at its end, and the probabilities of the windows with speech are averaged.
   * NaN/Infinity samples reject with InvalidAudioError; empty or < 0.25 s audio gives no-speech.
   */
  async analyzeClip(
    samples: Int16Array | Float32Array,
    opts: { hopMs?: number; /** the speaker's profile: used, and updated with this clip's speech (default: a fresh one) */ speaker?: SpeakerProfile } = {},
  ): Promise<VoiceResult & { windows: number }> {
    const pcm = toFloat(samples);
    const durMs = (pcm.length / SAMPLE_RATE) * 1000;
    if (pcm.length === 0) return { status: 'no-speech', windowEnd: 0, speechFraction: 0, reason: 'empty', windows: 0 };
    if (pcm.length < SAMPLE_RATE / 4) return { status: 'no-speech', windowEnd: durMs, speechFraction: 0, reason: 'too-short', windows: 0 };
    const s = new VoiceStream(this, `clip:${Math.random()}`, { hopMs: opts.hopMs ?? 500, unbatched: true, speaker: opts.speaker });
    const results: VoiceResult[] = [];
    s.onResult((r) => results.push(r));
    for (let i = 0, idx = 0; i < pcm.length; i += 320, idx++) s.pushFloat(pcm.subarray(i, Math.min(pcm.length, i + 320)), idx);
    s.flushWindow();
    await s.idle();
    s.close();
    const ok = results.filter((r): r is Extract<VoiceResult, { status: 'ok' }> => r.status === 'ok');
    const frac = Math.max(0, ...results.map((r) => r.speechFraction));
    if (ok.length === 0) return { status: 'no-speech', windowEnd: durMs, speechFraction: frac, reason: 'silence', windows: 0 };
    const p8 = new Array(8).fill(0);
    for (const r of ok) r.probabilities8.forEach((v, i) => (p8[i] += v / ok.length));
    const speakerWindows = ok[0]!.speakerWindows;
    return { ...resultFrom(p8, fold(p8), durMs, frac, speakerWindows), windows: ok.length };
  }

  /** @internal VAD frames from all streams, batched (each stream has at most one frame in flight). */
  vadProb(state: VadState, frame: Float32Array): Promise<number> {
    return new Promise((resolve, reject) => {
      this.vadQueue.push({ state, frame, resolve, reject });
      if (!this.vadRunning && !this.vadTimer) this.vadTimer = setTimeout(() => this.runVad(), 1);
    });
  }

  private runVad(): void {
    this.vadTimer = null;
    if (this.vadRunning || this.vadQueue.length === 0) return;
    const jobs = this.vadQueue.splice(0, 64);
    this.vadRunning = true;
    this.vad
      .probs(jobs.map((j) => j.state), jobs.map((j) => j.frame))
      .then((ps) => jobs.forEach((j, i) => j.resolve(ps[i]!)))
      .catch((e) => jobs.forEach((j) => j.reject(e)))
      .finally(() => {
        this.vadRunning = false;
        if (this.vadQueue.length > 0) this.runVad();
      });
  }

  /** A fresh profile for this model's features, or null when the model does not adapt to speakers. */
  newSpeakerProfile(): SpeakerProfile | null {
    return this.speakerDim > 0 ? new SpeakerProfile(this.speakerDim) : null;
  }

  /** @internal */
  submitWindow(key: string, job: SerJob, unbatched: boolean): Promise<SerOutput | null> {
    if (unbatched) return this.runSer([job]).then((r) => r[0]!);
    return this.serQ.submit(key, job).then((o) => (o.status === 'done' ? o.value : null));
  }

  private async runSer(jobs: SerJob[]): Promise<SerOutput[]> {
    const n = jobs.length;
    const input = new Float32Array(n * WINDOW);
    jobs.forEach((j, i) => input.set(j.window, i * WINDOW));
    const feeds: Record<string, ort.Tensor> = { pcm: new ort.Tensor('float32', input, [n, WINDOW]) };
    const d = this.speakerDim;
    if (d > 0) {
      const mean = new Float32Array(n * d);
      const variance = new Float32Array(n * d);
      const windows = new Float32Array(n);
      jobs.forEach((j, i) => {
        if (!j.speaker) return; // zeros with windows 0: the graph uses its prior alone
        mean.set(j.speaker.mean, i * d);
        variance.set(j.speaker.variance, i * d);
        windows[i] = j.speaker.windows;
      });
      feeds.speaker_mean = new ort.Tensor('float32', mean, [n, d]);
      feeds.speaker_var = new ort.Tensor('float32', variance, [n, d]);
      feeds.speaker_n = new ort.Tensor('float32', windows, [n, 1]);
    }
    const out = await this.ser.session.run(feeds, d > 0 ? ['probs8', 'probs7', 'features'] : ['probs8', 'probs7']);
    const p8 = out.probs8!.data as Float32Array;
    const p7 = out.probs7!.data as Float32Array;
    const f = d > 0 ? (out.features!.data as Float32Array) : null;
    return jobs.map((_, i) => ({
      p8: Array.from(p8.subarray(i * 8, i * 8 + 8)),
      p7: Array.from(p7.subarray(i * 7, i * 7 + 7)),
      features: f ? f.slice(i * d, (i + 1) * d) : null,
    }));
  }
}

/** The width of a speaker-adaptive model's speaker statistics (its `speaker_mean` input); 0 for other models. */
export function speakerInputDim(model: LoadedModel): number {
  const names = model.session.inputNames;
  if (!names.includes('speaker_mean')) return 0;
  for (const required of ['speaker_var', 'speaker_n']) {
    if (!names.includes(required)) throw new ModelLoadError(model.file, `it has a speaker_mean input but no ${required}`);
  }
  const meta = (model.session as unknown as { inputMetadata?: { name: string; shape?: (number | string)[] }[] }).inputMetadata;
  const dim = meta?.find((m) => m.name === 'speaker_mean')?.shape?.[1];
  if (typeof dim !== 'number' || !(dim > 0)) throw new ModelLoadError(model.file, 'the width of its speaker_mean input is not a fixed positive number');
  return dim;
}

export class VoiceStream implements AsyncIterable<VoiceResult> {
  private readonly ring = new Float32Array(WINDOW);
  private written = 0; // samples since (re)start
  private readonly vadState = new VadState();
  private vadFrame = new Float32Array(VAD_WINDOW);
  private vadFill = 0;
  /** speech flags of the VAD frames covering the ring (newest last) */
  private flags: number[] = [];
  private sinceHop = 0;
  /** stream position (samples) of the first chunk, and samples processed since (gaps included) */
  private base = -1;
  private pos = 0;
  private chain: Promise<void> = Promise.resolve();
  private listeners: ((r: VoiceResult) => void)[] = [];
  private errorListeners: ((e: unknown) => void)[] = [];
  private buffered: VoiceResult[] = [];
  private waiting: ((r: IteratorResult<VoiceResult>) => void) | null = null;
  private closed = false;
  private readonly hopSamples: number;
  private readonly unbatched: boolean;
  /** how this participant usually sounds (speaker-adaptive models only; memory only) */
  private readonly speaker: SpeakerProfile | null;

  constructor(
    private readonly analyzer: VoiceAnalyzer,
    readonly participantId: string,
    o: { hopMs?: number; unbatched?: boolean; speaker?: SpeakerProfile } = {},
  ) {
    this.hopSamples = Math.round(((o.hopMs ?? analyzer.opts.hopMs) / 1000) * SAMPLE_RATE);
    this.unbatched = o.unbatched ?? false;
    if (o.speaker && o.speaker.dim !== analyzer.speakerDim) {
      throw new Error(`speaker profile has ${o.speaker.dim} features; the speech model expects ${analyzer.speakerDim}`);
    }
    this.speaker = o.speaker ?? analyzer.newSpeakerProfile();
  }

  onResult(fn: (r: VoiceResult) => void): () => void {
    this.listeners.push(fn);
    return () => (this.listeners = this.listeners.filter((f) => f !== fn));
  }

  onError(fn: (e: unknown) => void): void {
    this.errorListeners.push(fn);
  }

  /** Feed one AudioChunk (any length; 20 ms normally). Never throws on odd input: bad chunks are skipped and reported via onError. */
  push(chunk: AudioChunk): void {
    if (this.closed) return;
    try {
      if (!chunk || !(chunk.samples instanceof Int16Array)) throw new InvalidAudioError('AudioChunk.samples must be an Int16Array');
      if (chunk.sampleRate !== undefined && chunk.sampleRate !== SAMPLE_RATE) throw new InvalidAudioError(`sample rate ${chunk.sampleRate} (expected 16000)`);
      const gap = Math.max(0, Math.floor(chunk.gapChunks ?? 0));
      if (gap > 0) this.gap(gap * 320);
      if (chunk.samples.length > 0) this.pushFloat(toFloat(chunk.samples), chunk.index);
    } catch (e) {
      this.emitError(e);
    }
  }

  /** @internal */
  pushFloat(pcm: Float32Array, index: number): void {
    const copy = new Float32Array(pcm);
    if (this.base < 0) this.base = Number.isInteger(index) && index >= 0 ? index * 320 : 0;
    this.enqueue(() => this.process(copy));
  }

  /** @internal emit a window at the current end of the stream (end of a clip) */
  flushWindow(): void {
    this.enqueue(async () => {
      if (this.sinceHop > this.hopSamples / 4 || this.flags.length === 0) await this.emitWindow();
    });
  }

  /** Resolves when everything pushed so far has been analysed. */
  idle(): Promise<void> {
    return this.chain;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.waiting) this.waiting({ value: undefined, done: true });
    this.waiting = null;
  }

  [Symbol.asyncIterator](): AsyncIterator<VoiceResult> {
    return {
      next: () => {
        const r = this.buffered.shift();
        if (r) return Promise.resolve({ value: r, done: false });
        if (this.closed) return Promise.resolve({ value: undefined, done: true });
        return new Promise((res) => (this.waiting = res));
      },
      return: () => {
        this.close();
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }

  /** Pushed work not yet done (chunks waiting for VAD and the speech model). */
  get backlog(): number {
    return this.queued;
  }

  private queued = 0;

  private enqueue(fn: () => Promise<void>): void {
    this.queued++;
    // A closed stream drops what is still queued: its owner is leaving or shutting down.
    this.chain = this.chain
      .then(() => (this.closed ? undefined : fn()))
      .catch((e) => this.emitError(e))
      .finally(() => this.queued--);
  }

  private gap(samples: number): void {
    this.enqueue(async () => {
      if (samples >= WINDOW) {
        // too long to bridge: start over
        this.pos += samples;
        this.ring.fill(0);
        this.written = 0;
        this.flags = [];
        this.vadState.reset();
        this.vadFill = 0;
        this.sinceHop = 0;
      } else {
        await this.process(new Float32Array(samples));
      }
    });
  }

  private async process(pcm: Float32Array): Promise<void> {
    let off = 0;
    while (off < pcm.length) {
      const take = Math.min(pcm.length - off, VAD_WINDOW - this.vadFill, this.hopSamples - this.sinceHop);
      const part = pcm.subarray(off, off + take);
      // ring buffer: shift left and append (windows are small, 2 s)
      this.ring.copyWithin(0, take);
      this.ring.set(part, WINDOW - take);
      this.written += take;
      this.pos += take;
      this.vadFrame.set(part, this.vadFill);
      this.vadFill += take;
      this.sinceHop += take;
      off += take;
      if (this.vadFill === VAD_WINDOW) {
        const p = await this.analyzer.vadProb(this.vadState, this.vadFrame);
        this.vadFrame = new Float32Array(VAD_WINDOW);
        this.vadFill = 0;
        this.flags.push(p >= this.analyzer.opts.vadThreshold ? 1 : 0);
        const keep = Math.ceil(WINDOW / VAD_WINDOW);
        if (this.flags.length > keep) this.flags.splice(0, this.flags.length - keep);
      }
      if (this.sinceHop >= this.hopSamples) await this.emitWindow();
    }
  }

  private async emitWindow(): Promise<void> {
    this.sinceHop = 0;
    const frames = Math.ceil(WINDOW / VAD_WINDOW);
    const speech = this.flags.reduce((a, b) => a + b, 0);
    const fraction = speech / frames;
    const windowEnd = Math.round(((Math.max(0, this.base) + this.pos) * 1000) / SAMPLE_RATE);
    if (fraction < this.analyzer.opts.minSpeechFraction || speech === 0) {
      this.emit({ status: 'no-speech', windowEnd, speechFraction: fraction, reason: 'silence' });
      return;
    }
    const window = Float32Array.from(this.ring);
    const speaker = this.speaker?.snapshot() ?? null;
    const out = await this.analyzer.submitWindow(this.participantId, { window, speaker }, this.unbatched);
    if (!out) return; // superseded by this participant's newer window
    // scored against the earlier windows only, then learnt from
    if (this.speaker && out.features) this.speaker.add(out.features);
    this.emit(resultFrom(out.p8, out.p7, windowEnd, fraction, speaker?.windows));
  }

  private emit(r: VoiceResult): void {
    for (const fn of this.listeners) {
      try {
        fn(r);
      } catch (e) {
        this.emitError(e);
      }
    }
    if (this.waiting) {
      const w = this.waiting;
      this.waiting = null;
      w({ value: r, done: false });
    } else if (!this.closed) {
      this.buffered.push(r);
      const max = this.analyzer.opts.maxBufferedResults;
      if (this.buffered.length > max) this.buffered.splice(0, this.buffered.length - max);
    }
  }

  private emitError(e: unknown): void {
    if (this.errorListeners.length === 0) {
      process.stderr.write(`[models] voice stream ${this.participantId}: ${(e as Error)?.message ?? e}\n`);
    }
    for (const fn of this.errorListeners) fn(e);
  }
}

function toFloat(samples: Int16Array | Float32Array): Float32Array {
  if (samples instanceof Int16Array) {
    // A plain loop: Float32Array.from with a map function was 5 % of the analysis thread.
    const out = new Float32Array(samples.length);
    for (let i = 0; i < samples.length; i++) out[i] = samples[i]! / 32768;
    return out;
  }
  if (!(samples instanceof Float32Array)) throw new InvalidAudioError('samples must be an Int16Array or Float32Array');
  for (let i = 0; i < samples.length; i++) {
    if (!Number.isFinite(samples[i]!)) throw new InvalidAudioError(`sample ${i} is ${samples[i]} (NaN or infinite)`);
  }
  return samples;
}

function fold(p8: number[]): number[] {
  const p7 = new Array(7).fill(0);
  RAVDESS_LABELS.forEach((l, i) => (p7[FER_LABELS.indexOf(RAVDESS_TO_FER[l])] += p8[i]!));
  return p7;
}

function resultFrom(
  p8: number[], p7: number[], windowEnd: number, speechFraction: number, speakerWindows?: number,
): Extract<VoiceResult, { status: 'ok' }> {
  const b8 = argmax(p8);
  const b7 = argmax(p7);
  return {
    status: 'ok',
    label8: RAVDESS_LABELS[b8]!,
    probabilities8: p8,
    label: FER_LABELS[b7]!,
    probabilities: p7,
    confidence: p7[b7]!,
    windowEnd,
    speechFraction,
    reliability: speakerWindows === undefined ? 1 : speakerReliability(speakerWindows),
    ...(speakerWindows !== undefined && { speakerWindows }),
  };
}
