/**
 * One participant's speech stream (VoiceAnalyzer.stream(), which describes the whole): AudioChunks in,
 * a result every hop out. The stream keeps the last 2 s of audio in a ring, has each 32 ms frame
 * scored by Silero and, every hop, sends the window to the speech model or reports no-speech. Both
 * models are run by the analyzer, batched with the other streams' work (VoiceModels).
 */
import { BoundedQueue } from '../../media/bounded-queue.js';
import { AUDIO_CHUNK_SAMPLES, AUDIO_SAMPLE_RATE, type AudioChunk } from '../../media/types.js';
import { FER_LABELS, type FerLabel } from '../../vocabulary/emotions.js';
import { argmax } from '../argmax.js';
import { RAVDESS_LABELS, type RavdessLabel } from './labels.js';
import { SpeakerProfile, speakerReliability, type SpeakerSnapshot } from './speaker-profile.js';
import { VAD_WINDOW, VadState } from './vad.js';

/** Model window: 2.0 s. */
export const WINDOW = 2 * AUDIO_SAMPLE_RATE;

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

/** The analyzer's settings a stream follows (VoiceAnalyzerOptions, with their defaults applied). */
export interface VoiceSettings {
  hopMs: number;
  vadThreshold: number;
  minSpeechFraction: number;
  maxBufferedResults: number;
}

/** One window for the speech model, with the speaker's statistics so far (null: cold, or a model that does not adapt). */
export interface SerJob {
  window: Float32Array;
  speaker: SpeakerSnapshot | null;
}

export interface SerOutput {
  p8: number[];
  p7: number[];
  /** the window's features, for the speaker profile (speaker-adaptive models only) */
  features: Float32Array | null;
}

/** What a stream uses of its analyzer: the settings and the two models, batched across streams. */
export interface VoiceModels {
  readonly settings: VoiceSettings;
  /** length of the speaker-statistics inputs; 0 when the speech model does not adapt to speakers */
  readonly speakerDim: number;
  /** Silero's speech probability for one VAD_WINDOW frame, carrying the stream's recurrent state. */
  vad(state: VadState, frame: Float32Array): Promise<number>;
  /** The speech model on one window; null when a newer window of the same key took its place. */
  ser(key: string, job: SerJob, unbatched: boolean): Promise<SerOutput | null>;
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
  private queued = 0;
  private listeners: ((r: VoiceResult) => void)[] = [];
  private errorListeners: ((e: unknown) => void)[] = [];
  /** results for the async iterator; a slow reader loses the oldest */
  private readonly results: BoundedQueue<VoiceResult>;
  private closed = false;
  private readonly hopSamples: number;
  private readonly unbatched: boolean;
  /** how this participant usually sounds (speaker-adaptive models only; memory only) */
  private readonly speaker: SpeakerProfile | null;

  constructor(
    private readonly models: VoiceModels,
    readonly participantId: string,
    o: { hopMs?: number; unbatched?: boolean; speaker?: SpeakerProfile } = {},
  ) {
    this.hopSamples = Math.round(((o.hopMs ?? models.settings.hopMs) / 1000) * AUDIO_SAMPLE_RATE);
    this.unbatched = o.unbatched ?? false;
    if (o.speaker && o.speaker.dim !== models.speakerDim) {
      throw new Error(`speaker profile has ${o.speaker.dim} features; the speech model expects ${models.speakerDim}`);
    }
    this.speaker = o.speaker ?? (models.speakerDim > 0 ? new SpeakerProfile(models.speakerDim) : null);
    this.results = new BoundedQueue(models.settings.maxBufferedResults);
  }

  /**
   * The results of a whole clip (VoiceAnalyzer.analyzeClip): it is streamed in 20 ms chunks, each of
   * its windows goes to the speech model alone (no batching), and a final window ends at the clip's end.
   */
  static async resultsOfClip(
    models: VoiceModels,
    pcm: Float32Array,
    o: { hopMs: number; speaker?: SpeakerProfile | undefined },
  ): Promise<VoiceResult[]> {
    const s = new VoiceStream(models, `clip:${Math.random()}`, { hopMs: o.hopMs, unbatched: true, speaker: o.speaker });
    const results: VoiceResult[] = [];
    s.onResult((r) => results.push(r));
    for (let i = 0, idx = 0; i < pcm.length; i += AUDIO_CHUNK_SAMPLES, idx++) {
      s.pushFloat(pcm.subarray(i, Math.min(pcm.length, i + AUDIO_CHUNK_SAMPLES)), idx);
    }
    s.flushWindow();
    await s.idle();
    s.close();
    return results;
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
      if (chunk.sampleRate !== undefined && chunk.sampleRate !== AUDIO_SAMPLE_RATE) {
        throw new InvalidAudioError(`sample rate ${chunk.sampleRate} (expected ${AUDIO_SAMPLE_RATE})`);
      }
      const gap = Math.max(0, Math.floor(chunk.gapChunks ?? 0));
      if (gap > 0) this.gap(gap * AUDIO_CHUNK_SAMPLES);
      if (chunk.samples.length > 0) this.pushFloat(toFloat(chunk.samples), chunk.index);
    } catch (e) {
      this.emitError(e);
    }
  }

  /** Resolves when everything pushed so far has been analysed. */
  idle(): Promise<void> {
    return this.chain;
  }

  /** Ends the stream: what is still queued is dropped; the iterator yields the results it holds, then ends. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.results.end();
  }

  [Symbol.asyncIterator](): AsyncIterator<VoiceResult> {
    return {
      next: () => this.results.next(),
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

  private pushFloat(pcm: Float32Array, index: number): void {
    const copy = new Float32Array(pcm);
    if (this.base < 0) this.base = Number.isInteger(index) && index >= 0 ? index * AUDIO_CHUNK_SAMPLES : 0;
    this.enqueue(() => this.process(copy));
  }

  /** Emits a window at the current end of the stream (the end of a clip), unless a hop just did. */
  private flushWindow(): void {
    this.enqueue(async () => {
      if (this.sinceHop > this.hopSamples / 4 || this.flags.length === 0) await this.emitWindow();
    });
  }

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
        const p = await this.models.vad(this.vadState, this.vadFrame);
        this.vadFrame = new Float32Array(VAD_WINDOW);
        this.vadFill = 0;
        this.flags.push(p >= this.models.settings.vadThreshold ? 1 : 0);
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
    const windowEnd = Math.round(((Math.max(0, this.base) + this.pos) * 1000) / AUDIO_SAMPLE_RATE);
    if (fraction < this.models.settings.minSpeechFraction || speech === 0) {
      this.emit({ status: 'no-speech', windowEnd, speechFraction: fraction, reason: 'silence' });
      return;
    }
    const window = Float32Array.from(this.ring);
    const speaker = this.speaker?.snapshot() ?? null;
    const out = await this.models.ser(this.participantId, { window, speaker }, this.unbatched);
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
    this.results.push(r);
  }

  private emitError(e: unknown): void {
    if (this.errorListeners.length === 0) {
      process.stderr.write(`[models] voice stream ${this.participantId}: ${(e as Error)?.message ?? e}\n`);
    }
    for (const fn of this.errorListeners) fn(e);
  }
}

/** Int16 PCM → -1..1 floats; float input is checked for NaN and infinities and passed through. */
export function toFloat(samples: Int16Array | Float32Array): Float32Array {
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

export function resultFrom(
  p8: number[],
  p7: number[],
  windowEnd: number,
  speechFraction: number,
  speakerWindows?: number,
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
