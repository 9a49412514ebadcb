/**
 * How one participant usually sounds: the running mean and variance of the speech-emotion model's window
 * features (`features` output of ser_speaker_lr.onnx), over the windows that had speech.
 *
 * The speaker-adaptive model scores each window against this profile (shrunk toward a population prior
 * inside the graph while `windows` is small), which is what lets it generalise to voices it never heard:
 * see models/voice/ser_speaker_lr.md. The profile is a summary of a person's voice, so it lives only in
 * memory, with the participant's stream, and is never written anywhere.
 *
 * Updates are Welford's recurrence with weight 1/min(n, maxWindows): exact statistics for the first
 * `maxWindows` windows, an exponential forgetting of older speech after that (voices drift with a
 * session's microphone and mood).
 */
/** The prior's weight in the graph, in speech windows (PRIOR_WINDOWS in models/build/ser_speaker_model.py). */
export const PRIOR_WINDOWS = 8;
/** Held-out accuracy cold (prior only) over accuracy once the voice is learnt: 40.0 % / 60.4 % (ser_speaker_lr.md). */
const COLD_RELIABILITY = 0.67;

/**
 * How far to trust a window scored against `windows` earlier speech windows of the same speaker, relative to
 * a fully learnt voice: 0.67 cold, rising as the graph's own shrinkage weight n / (n + 8) rises (0.83 after 8
 * windows, 0.97 after 60). Fusion multiplies the voice confidence by it, so a voice the model has only just
 * started to learn does not outvote the face.
 */
export function speakerReliability(windows: number): number {
  const n = Math.max(0, windows);
  return COLD_RELIABILITY + (1 - COLD_RELIABILITY) * (n / (n + PRIOR_WINDOWS));
}

export interface SpeakerSnapshot {
  mean: Float32Array;
  variance: Float32Array;
  /** speech windows behind the statistics (capped at maxWindows) */
  windows: number;
}

export class SpeakerProfile {
  private readonly mean: Float64Array;
  private readonly variance: Float64Array;
  private n = 0;

  constructor(
    readonly dim: number,
    /** 600 windows = 10 minutes of speech at the analyzer's 1 s hop */
    readonly maxWindows = 600,
  ) {
    if (!(Number.isInteger(dim) && dim > 0)) throw new Error(`SpeakerProfile: dim must be a positive integer, got ${dim}`);
    this.mean = new Float64Array(dim);
    this.variance = new Float64Array(dim);
  }

  get windows(): number {
    return this.n;
  }

  /** Adds one speech window's features; non-finite vectors are ignored (they would poison every later window). */
  add(features: ArrayLike<number>): boolean {
    if (features.length !== this.dim) throw new Error(`SpeakerProfile: expected ${this.dim} features, got ${features.length}`);
    for (let i = 0; i < this.dim; i++) if (!Number.isFinite(features[i]!)) return false;
    this.n = Math.min(this.n + 1, this.maxWindows);
    const a = 1 / this.n;
    for (let i = 0; i < this.dim; i++) {
      const d = features[i]! - this.mean[i]!;
      this.mean[i]! += a * d;
      this.variance[i] = (1 - a) * (this.variance[i]! + a * d * d);
    }
    return true;
  }

  /** An independent copy (to score many clips against one fixed profile). */
  clone(): SpeakerProfile {
    const c = new SpeakerProfile(this.dim, this.maxWindows);
    c.mean.set(this.mean);
    c.variance.set(this.variance);
    c.n = this.n;
    return c;
  }

  snapshot(): SpeakerSnapshot {
    return { mean: Float32Array.from(this.mean), variance: Float32Array.from(this.variance), windows: this.n };
  }
}
