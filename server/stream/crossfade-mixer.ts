/**
 * Turns a sequence of tracks into one continuous PCM stream: each track is loudness-matched
 * (gain from its measured R128 loudness towards a common target) and the next one fades in
 * with an equal-power crossfade while the current one fades out, so there is never a gap or a
 * cut between tracks.
 *
 * Decks: `current` plays; `incoming` is fading in; `queued` waits for its moment, which is
 * either the end of the current track (natural next) or, for a switch (mood change, skip), as
 * soon as the current track has played long enough and the queued one has audio buffered.
 */
import { CHANNELS, secondsToFrames } from './pcm-format.js';
import type { PcmSource } from './track-decoder.js';

export interface MixableTrack {
  loudnessLufs: number | null;
}

export interface MixerOptions {
  /** Crossfade between a track and the next one, seconds. */
  crossfadeS: number;
  /** Loudness every track is brought to, LUFS. */
  targetLufs: number;
  /** Upper bound of the gain applied to quiet tracks, dB (more only amplifies noise and clips). */
  maxBoostDb: number;
}

export interface QueueOptions<R> {
  reason: R;
  /** Switch before the current track ends (mood change, skip) instead of at its end. */
  switchNow: boolean;
  /** For a switch: the current track plays at least this long first, seconds. */
  minPlayedS?: number;
  /** Crossfade length for this transition, seconds (default: the mixer's). */
  fadeS?: number;
}

interface Deck<T, R> {
  track: T;
  source: PcmSource;
  gain: number;
  playedFrames: number;
  options: QueueOptions<R>;
}

export interface MixerEvents<T, R> {
  /** A track became audible, at this mixer frame (its crossfade started, or it started alone). */
  onTrackStarted?(track: T, reason: R, atFrame: number): void;
  /** A queued track produced no audio at all (undecodable file) and was dropped. */
  onTrackFailed?(track: T, source: PcmSource): void;
}

/** Buffered audio a switch waits for before it starts to fade, so the fade never underruns. */
const SWITCH_READY_FRAMES = secondsToFrames(0.5);

export function loudnessGain(loudnessLufs: number | null, targetLufs: number, maxBoostDb: number): number {
  if (loudnessLufs === null || !Number.isFinite(loudnessLufs)) return 1;
  const db = Math.max(-24, Math.min(maxBoostDb, targetLufs - loudnessLufs));
  return 10 ** (db / 20);
}

export class CrossfadeMixer<T extends MixableTrack, R> {
  private current: Deck<T, R> | undefined;
  private incoming: Deck<T, R> | undefined;
  private queued: Deck<T, R> | undefined;
  private fade = { total: 0, done: 0 };
  /** Frames rendered so far (the stream's sample clock). */
  renderedFrames = 0;
  /** Frames of silence rendered because no audio was available (should stay 0 while playing). */
  starvedFrames = 0;

  constructor(
    private readonly options: MixerOptions,
    private readonly events: MixerEvents<T, R> = {},
  ) {}

  get currentTrack(): T | undefined {
    return (this.incoming ?? this.current)?.track;
  }

  get queuedTrack(): T | undefined {
    return this.queued?.track;
  }

  /** True when the mixer should be given the next track now (nothing queued, current ending). */
  get needsNext(): boolean {
    if (this.queued || this.incoming) return false;
    return !this.current || this.current.source.finished;
  }

  /** Queues `track` (replacing a queued one that has not started yet). */
  queue(track: T, source: PcmSource, options: QueueOptions<R>): void {
    this.queued?.source.close();
    // A source that applied the loudness gain itself (the decoder) is mixed as it is.
    const gain = source.appliedGain !== undefined ? 1 : loudnessGain(track.loudnessLufs, this.options.targetLufs, this.options.maxBoostDb);
    this.queued = { track, source, gain, playedFrames: 0, options };
  }

  /**
   * Renders exactly `frames` frames of interleaved stereo, into `into` when given (a buffer the
   * caller reuses: a room renders four times a second, for ever, so no garbage per render).
   */
  render(frames: number, into?: Int16Array): Int16Array {
    // Written in place: no float scratch buffer and no per-sample callbacks outside crossfades.
    const out = into ? into.subarray(0, frames * CHANNELS) : new Int16Array(frames * CHANNELS);
    let pos = 0;
    while (pos < frames) {
      this.renderPos = pos;
      this.startTransitionIfDue();
      const room = frames - pos;
      if (this.incoming && this.current) {
        const n = Math.min(room, this.fade.total - this.fade.done);
        this.mixFading(out, pos, n);
        pos += n;
        if (this.fade.done >= this.fade.total) this.finishFade();
      } else if (this.current) {
        let n = Math.min(room, this.framesUntilTransition(this.current));
        // The transition is due but the queued track has no audio yet: keep playing rather than
        // wait (the fade gets shorter); a wait here would block the caller's thread.
        if (n === 0) n = room;
        const got = this.playSolo(out, pos, this.current, n);
        pos += got;
        if (got < n) {
          if (this.current.source.finished && this.current.source.bufferedFrames === 0) {
            this.current.source.close();
            this.current = undefined;
          } else if (got < n) {
            // The decoder fell behind: a short silence now beats stalling the whole stream.
            this.starvedFrames += n - got;
            out.fill(0, pos * CHANNELS, (pos + n - got) * CHANNELS);
            pos += n - got;
          }
        }
      } else {
        if (this.queued && this.isReady(this.queued)) continue;
        this.starvedFrames += room;
        out.fill(0, pos * CHANNELS);
        pos = frames;
      }
    }
    this.renderedFrames += frames;
    this.renderPos = 0;
    return out;
  }

  /** Position inside the render in progress (so events carry exact stream frames). */
  private renderPos = 0;

  close(): void {
    for (const deck of [this.current, this.incoming, this.queued]) deck?.source.close();
    this.current = this.incoming = this.queued = undefined;
  }

  private isReady(deck: Deck<T, R>): boolean {
    const { source } = deck;
    if (source.finished && source.bufferedFrames === 0) {
      this.queued = undefined;
      source.close();
      this.events.onTrackFailed?.(deck.track, source);
      return false;
    }
    return source.finished || source.bufferedFrames >= SWITCH_READY_FRAMES;
  }

  /** How many frames the current deck may play alone before a transition must begin. */
  private framesUntilTransition(current: Deck<T, R>): number {
    const q = this.queued;
    if (!q) return Number.MAX_SAFE_INTEGER;
    if (q.options.switchNow) {
      const minPlayed = secondsToFrames(q.options.minPlayedS ?? 0);
      return Math.max(0, minPlayed - current.playedFrames);
    }
    if (!current.source.finished) return Number.MAX_SAFE_INTEGER;
    return Math.max(0, current.source.bufferedFrames - this.fadeFrames(q));
  }

  private fadeFrames(deck: Deck<T, R>): number {
    return Math.max(1, secondsToFrames(deck.options.fadeS ?? this.options.crossfadeS));
  }

  private startTransitionIfDue(): void {
    if (this.incoming) return;
    const q = this.queued;
    if (!q) return;
    const at = this.renderedFramesAt();
    if (!this.current) {
      if (!this.isReady(q)) return;
      this.current = q;
      this.queued = undefined;
      this.events.onTrackStarted?.(q.track, q.options.reason, at);
      return;
    }
    if (this.framesUntilTransition(this.current) > 0 || !this.isReady(q)) return;
    const remaining = this.current.source.finished ? this.current.source.bufferedFrames : Number.MAX_SAFE_INTEGER;
    if (remaining === 0) {
      // The current track is over (a switch that came too late to fade): the next one just starts.
      this.current.source.close();
      this.current = q;
      this.queued = undefined;
      this.events.onTrackStarted?.(q.track, q.options.reason, at);
      return;
    }
    this.incoming = q;
    this.queued = undefined;
    this.fade = { total: Math.max(1, Math.min(this.fadeFrames(q), remaining)), done: 0 };
    this.events.onTrackStarted?.(q.track, q.options.reason, at);
  }

  private finishFade(): void {
    this.current!.source.close();
    this.current = this.incoming;
    this.incoming = undefined;
  }

  private mixFading(out: Int16Array, pos: number, n: number): void {
    const { total, done } = this.fade;
    const a = this.current!;
    const b = this.incoming!;
    const sa = a.source.read(n);
    const sb = b.source.read(n);
    a.playedFrames += sa.length / CHANNELS;
    b.playedFrames += sb.length / CHANNELS;
    // Equal-power curves (the sum of two unrelated recordings keeps a steady loudness): cos and
    // sin of the fade angle, advanced by a rotation per frame instead of two calls per frame.
    const step = Math.PI / 2 / total;
    const stepCos = Math.cos(step);
    const stepSin = Math.sin(step);
    let cos = Math.cos(done * step);
    let sin = Math.sin(done * step);
    for (let i = 0; i < n; i++) {
      const ga = a.gain * cos;
      const gb = b.gain * sin;
      for (let c = 0; c < CHANNELS; c++) {
        const k = i * CHANNELS + c;
        out[pos * CHANNELS + k] = clamp16((sa[k] ?? 0) * ga + (sb[k] ?? 0) * gb);
      }
      const nextCos = cos * stepCos - sin * stepSin;
      sin = sin * stepCos + cos * stepSin;
      cos = nextCos;
    }
    this.fade.done += n;
  }

  /** Plays up to n frames of `deck` alone at `pos`, at its gain; returns the frames it had. */
  private playSolo(out: Int16Array, pos: number, deck: Deck<T, R>, n: number): number {
    if (n <= 0) return 0;
    const samples = deck.source.read(n);
    const got = samples.length / CHANNELS;
    if (deck.gain === 1) out.set(samples, pos * CHANNELS);
    else for (let k = 0; k < samples.length; k++) out[pos * CHANNELS + k] = clamp16(samples[k]! * deck.gain);
    deck.playedFrames += got;
    return got;
  }

  private renderedFramesAt(): number {
    return this.renderedFrames + this.renderPos;
  }
}

function clamp16(v: number): number {
  return v > 32767 ? 32767 : v < -32768 ? -32768 : Math.round(v);
}
