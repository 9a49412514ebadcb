/**
 * Speech emotion from 16 kHz PCM, per participant, gated by Silero VAD.
 *
 *   const va = await VoiceAnalyzer.create();
 *   const s = va.stream('alice');
 *   s.onResult((r) => …);          // or: for await (const r of s) …
 *   s.push(chunk);                  // AudioChunk: 20 ms, AUDIO_CHUNK_SAMPLES Int16 samples
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
 *
 * The stream itself is voice-stream.ts; the model's classes are labels.ts.
 */
import { AUDIO_SAMPLE_RATE } from '../../media/types.js';
import { BatchScheduler, defaultMaxBatch } from '../runtime/batcher.js';
import {
  type ExecutionProviderSetting,
  type LoadedModel,
  loadModel,
  ModelLoadError,
  type ModelLogger,
  ort,
  type Provider,
} from '../runtime/session.js';
import { foldToFer } from './labels.js';
import { SpeakerProfile } from './speaker-profile.js';
import { SileroVad, VAD_FILE, type VadState } from './vad.js';
import {
  resultFrom,
  type SerJob,
  type SerOutput,
  toFloat,
  type VoiceModels,
  type VoiceResult,
  type VoiceSettings,
  VoiceStream,
  WINDOW,
} from './voice-stream.js';

// What the analyzer's own API hands out (streams, results, the error analyzeClip rejects with).
export { InvalidAudioError, type VoiceResult, type VoiceStream } from './voice-stream.js';

export const SER_FILE = 'voice/ser_speaker_lr.onnx';
/** At most this many Silero frames (each 32 ms of one stream) go into one run. */
const VAD_MAX_BATCH = 64;

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

interface VadJob {
  state: VadState;
  frame: Float32Array;
}

export class VoiceAnalyzer {
  readonly providers: { ser: Provider; vad: Provider };
  readonly opts: VoiceSettings;
  /** length of the speaker-statistics inputs; 0 when the speech model does not adapt to speakers */
  readonly speakerDim: number;
  private readonly serQ: BatchScheduler<SerJob, SerOutput>;
  /**
   * Silero frames of all streams, batched. Each frame has a key of its own and the queue no cap: the
   * VAD is recurrent, so every frame of a stream must be scored (a stream has one in flight at a time).
   */
  private readonly vadQ: BatchScheduler<VadJob, number>;
  private vadFrames = 0;
  private readonly streams = new Map<string, VoiceStream>();
  /** what the streams use of this analyzer */
  private readonly models: VoiceModels;

  private constructor(
    private readonly ser: LoadedModel,
    vad: SileroVad,
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
    this.serQ = new BatchScheduler({
      run: (w) => this.runSer(w),
      maxBatch: o.maxBatch ?? defaultMaxBatch(ser.provider),
      maxWaitMs: o.maxWaitMs ?? 2,
    });
    this.vadQ = new BatchScheduler({
      run: (jobs) =>
        vad.probs(
          jobs.map((j) => j.state),
          jobs.map((j) => j.frame),
        ),
      maxBatch: VAD_MAX_BATCH,
      maxWaitMs: 1,
      maxPending: Infinity,
    });
    this.models = {
      settings: this.opts,
      speakerDim: this.speakerDim,
      vad: (state, frame) => this.vadProb(state, frame),
      ser: (key, job, unbatched) => this.submitWindow(key, job, unbatched),
    };
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
      s = new VoiceStream(this.models, participantId);
      this.streams.set(participantId, s);
    }
    return s;
  }

  /** Ends a participant's stream (its iterator finishes). */
  closeStream(participantId: string): void {
    this.streams.get(participantId)?.close();
    this.streams.delete(participantId);
  }

  /** Ends every stream and refuses new speech windows. (A VAD frame still in flight gets its answer.) */
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
    opts: {
      hopMs?: number;
      /** the speaker's profile: used, and updated with this clip's speech (default: a fresh one) */ speaker?: SpeakerProfile;
    } = {},
  ): Promise<VoiceResult & { windows: number }> {
    const pcm = toFloat(samples);
    const durMs = (pcm.length / AUDIO_SAMPLE_RATE) * 1000;
    if (pcm.length === 0) return { status: 'no-speech', windowEnd: 0, speechFraction: 0, reason: 'empty', windows: 0 };
    if (pcm.length < AUDIO_SAMPLE_RATE / 4)
      return { status: 'no-speech', windowEnd: durMs, speechFraction: 0, reason: 'too-short', windows: 0 };
    const results = await VoiceStream.resultsOfClip(this.models, pcm, { hopMs: opts.hopMs ?? 500, speaker: opts.speaker });
    const ok = results.filter((r): r is Extract<VoiceResult, { status: 'ok' }> => r.status === 'ok');
    const frac = Math.max(0, ...results.map((r) => r.speechFraction));
    if (ok.length === 0) return { status: 'no-speech', windowEnd: durMs, speechFraction: frac, reason: 'silence', windows: 0 };
    const p8 = new Array(8).fill(0);
    for (const r of ok) r.probabilities8.forEach((v, i) => (p8[i] += v / ok.length));
    const speakerWindows = ok[0]!.speakerWindows;
    return { ...resultFrom(p8, foldToFer(p8), durMs, frac, speakerWindows), windows: ok.length };
  }

  /** A fresh profile for this model's features, or null when the model does not adapt to speakers. */
  newSpeakerProfile(): SpeakerProfile | null {
    return this.speakerDim > 0 ? new SpeakerProfile(this.speakerDim) : null;
  }

  private async vadProb(state: VadState, frame: Float32Array): Promise<number> {
    const outcome = await this.vadQ.submit(String(this.vadFrames++), { state, frame });
    // Unreachable: with keys of their own and no cap, frames are never superseded.
    if (outcome.status !== 'done') throw new Error('VAD frame superseded');
    return outcome.value;
  }

  private submitWindow(key: string, job: SerJob, unbatched: boolean): Promise<SerOutput | null> {
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
  if (typeof dim !== 'number' || !(dim > 0))
    throw new ModelLoadError(model.file, 'the width of its speaker_mean input is not a fixed positive number');
  return dim;
}
