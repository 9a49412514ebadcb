/**
 * One room's continuous music stream: tracks from the TrackSource are decoded, loudness-matched
 * and crossfaded by the mixer, and the mixed PCM is written at real-time pace into ONE
 * persistent encoder (HlsEncoder) whose fMP4 fragments become the parts and segments of the
 * room's live playlist. The encoder is supervised: when it dies, a new one continues the media
 * sequence after an EXT-X-DISCONTINUITY, within a fraction of a second, while the mixer waits.
 */
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';

import { CrossfadeMixer, loudnessGain } from './crossfade-mixer.js';
import { type EncodedPart, HlsEncoder } from './hls-encoder.js';
import { LivePlaylist } from './live-playlist.js';
import { AAC_FRAME_SAMPLES, CHANNELS, SAMPLE_RATE, secondsToFrames } from './pcm-format.js';
import { TrackDecoder } from './track-decoder.js';
import type { PlannedTrack, SwitchReason, TrackSource } from './track-source.js';

export interface StreamSettings {
  /** Segment duration, seconds (a whole number of parts, so about this). */
  segmentS: number;
  /** LL-HLS partial segment duration, seconds (a whole number of AAC frames, so about this). */
  partS: number;
  /** How many parts an LL-HLS player stays behind the newest one (PART-HOLD-BACK; ≥ 2). */
  partHoldBackParts: number;
  /** Segments listed in the live playlist. */
  windowSize: number;
  crossfadeS: number;
  /** Crossfade for a listener's skip (shorter: they asked for a change now). */
  skipCrossfadeS: number;
  targetLufs: number;
  maxBoostDb: number;
  bitrateKbps: number;
  /** Audio written ahead of real time when an encoder (re)starts, so a playlist exists at once. */
  leadS: number;
  /** A mood switch lets the current track play at least this long (no jumpy music). */
  minPlayBeforeSwitchS: number;
}

export const DEFAULT_STREAM_SETTINGS: StreamSettings = {
  segmentS: 1,
  partS: 1 / 3,
  partHoldBackParts: 3,
  windowSize: 6,
  crossfadeS: 4,
  skipCrossfadeS: 1.5,
  targetLufs: -16,
  maxBoostDb: 9,
  bitrateKbps: 128,
  leadS: 3,
  minPlayBeforeSwitchS: 8,
};

export interface Logger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** A pick as listeners see it (no file paths). */
export interface PublicTrack {
  trackId: string;
  title: string;
  artist: string | null;
  durationS: number;
  explanation: string;
  valence: number | null;
  arousal: number | null;
  bpm: number | null;
  key: string | null;
}

export interface PlayEntry {
  track: PublicTrack;
  reason: SwitchReason;
  /** When its first sample is heard, on the playlist's EXT-X-PROGRAM-DATE-TIME clock (epoch ms). */
  audibleAtMs: number;
}

interface RoomStreamEvents {
  trackStarted: [PlayEntry];
  segment: [{ sequence: number; lagS: number }];
  encoderRestart: [{ code: number | null; signal: NodeJS.Signals | null; stderr: string }];
}

// Coarse on purpose: the encoder runs leadS ahead, so timer jitter costs nothing, and each
// wakeup and pipe write costs CPU in every room.
const PACE_INTERVAL_MS = 250;
/** Above this many restarts within RESTART_WINDOW_MS the supervisor backs off. */
const RESTART_BURST = 5;
const RESTART_WINDOW_MS = 30_000;

export function publicTrack(t: PlannedTrack): PublicTrack {
  return {
    trackId: t.trackId,
    title: t.title,
    artist: t.artist ?? null,
    durationS: t.durationS,
    explanation: t.explanation,
    valence: t.valence ?? null,
    arousal: t.arousal ?? null,
    bpm: t.bpm ?? null,
    key: t.key ?? null,
  };
}

export class RoomStream extends EventEmitter<RoomStreamEvents> {
  readonly playlist: LivePlaylist;
  readonly history: PlayEntry[] = [];
  encoderRestarts = 0;
  /** AAC frames per part, and parts per segment. */
  private readonly framesPerPart: number;
  private readonly mixer: CrossfadeMixer<PlannedTrack, SwitchReason>;
  private encoder: HlsEncoder | undefined;
  private pacer: NodeJS.Timeout | undefined;
  /** One second of PCM, rendered into and written from on every pacing tick. */
  private scratch = new Int16Array(SAMPLE_RATE * CHANNELS);
  private stopped = false;
  /** The current encoder run: where it started on the mixer clock, the wall clock and the PDT clock. */
  private run = { startFrame: 0, startPerf: 0, startWallMs: 0, epochMs: 0 };
  private fetchingNext = false;
  private queueGeneration = 0;
  private consecutiveFailures = 0;
  private recentRestarts: number[] = [];

  constructor(
    readonly roomId: string,
    private readonly source: TrackSource,
    private readonly settings: StreamSettings,
    private readonly log: Logger,
  ) {
    super();
    this.framesPerPart = Math.max(1, Math.round((settings.partS * SAMPLE_RATE) / AAC_FRAME_SAMPLES));
    const partS = (this.framesPerPart * AAC_FRAME_SAMPLES) / SAMPLE_RATE;
    this.playlist = new LivePlaylist({
      prefix: `${randomBytes(4).toString('hex')}-`,
      windowSize: settings.windowSize,
      keepAfterWindow: 10,
      partsPerSegment: Math.max(1, Math.round(settings.segmentS / partS)),
      partS,
      partHoldBackParts: Math.max(2, settings.partHoldBackParts),
    });
    this.mixer = new CrossfadeMixer<PlannedTrack, SwitchReason>(settings, {
      onTrackStarted: (track, reason, atFrame) => this.onTrackStarted(track, reason, atFrame),
      onTrackFailed: (track, src) => {
        this.consecutiveFailures++;
        this.log.warn({ trackId: track.trackId, err: (src as TrackDecoder).error?.message }, 'track could not be decoded; skipping it');
      },
    });
  }

  get encoderPid(): number | undefined {
    return this.encoder?.pid;
  }

  get queued(): PublicTrack | undefined {
    const t = this.mixer.queuedTrack;
    return t && publicTrack(t);
  }

  get starvedS(): number {
    return this.mixer.starvedFrames / SAMPLE_RATE;
  }

  async start(): Promise<void> {
    try {
      const first = await this.source.next(this.roomId, 'start');
      const decoder = this.decoderFor(first);
      await decoder.waitForFrames(secondsToFrames(this.settings.leadS), 10_000);
      if (this.stopped) return decoder.close();
      this.mixer.queue(first, decoder, { reason: 'start', switchNow: false });
      this.startEncoder();
      this.pacer = setInterval(() => this.pace(), PACE_INTERVAL_MS);
    } catch (err) {
      await this.stop();
      throw err;
    }
  }

  /** Resolves once the playlist lists at least `segments` segments. */
  async waitForSegments(segments: number, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.playlist.length < segments) {
      if (this.stopped) throw new Error(`the stream of room ${this.roomId} stopped`);
      if (Date.now() > deadline) throw new Error(`the stream of room ${this.roomId} produced no playlist within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  /**
   * Queues the source's next pick and crossfades to it at the next sensible point: after the
   * current track has played minPlayBeforeSwitchS (a skip: at once, with a shorter fade).
   */
  async requestSwitch(reason: 'mood' | 'skip'): Promise<PublicTrack> {
    const generation = ++this.queueGeneration;
    const track = await this.source.next(this.roomId, reason);
    if (this.stopped) throw new Error(`the stream of room ${this.roomId} stopped`);
    if (generation !== this.queueGeneration) return publicTrack(track); // a later switch superseded this one
    const skip = reason === 'skip';
    this.mixer.queue(track, this.decoderFor(track), {
      reason,
      switchNow: true,
      minPlayedS: skip ? 0 : this.settings.minPlayBeforeSwitchS,
      fadeS: skip ? this.settings.skipCrossfadeS : this.settings.crossfadeS,
    });
    return publicTrack(track);
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.pacer);
    const encoder = this.encoder;
    this.encoder = undefined;
    await encoder?.stop(500);
    this.mixer.close();
  }

  /** Decodes a track, loudness-matched by ffmpeg as it decodes. */
  private decoderFor(track: PlannedTrack): TrackDecoder {
    return new TrackDecoder(track.filePath, loudnessGain(track.loudnessLufs ?? null, this.settings.targetLufs, this.settings.maxBoostDb));
  }

  /** Writes the PCM that is due: real time since the run started, plus the lead. */
  private pace(): void {
    const encoder = this.encoder;
    if (!encoder || encoder.exited) return;
    const elapsedFrames = Math.floor(((performance.now() - this.run.startPerf) * SAMPLE_RATE) / 1000);
    let due = secondsToFrames(this.settings.leadS) + elapsedFrames - (this.mixer.renderedFrames - this.run.startFrame);
    while (due > 0) {
      const n = Math.min(due, SAMPLE_RATE);
      // The scratch buffer is reused while the pipe takes each write at once (the usual case);
      // a write still queued keeps its buffer, and the next render gets a fresh one.
      encoder.write(this.mixer.render(n, this.scratch));
      if (encoder.pendingBytes > 0) this.scratch = new Int16Array(SAMPLE_RATE * CHANNELS);
      due -= n;
    }
    if (this.mixer.needsNext) void this.fetchNext();
  }

  private async fetchNext(): Promise<void> {
    if (this.fetchingNext || this.stopped) return;
    this.fetchingNext = true;
    const generation = this.queueGeneration;
    try {
      if (this.consecutiveFailures > 0) {
        // Undecodable picks in a row: ask again, but not in a tight loop.
        await new Promise((r) => setTimeout(r, Math.min(5000, 250 * 2 ** this.consecutiveFailures)));
      }
      const track = await this.source.next(this.roomId, 'next');
      if (this.stopped || generation !== this.queueGeneration || !this.mixer.needsNext) return;
      this.mixer.queue(track, this.decoderFor(track), { reason: 'next', switchNow: false });
    } catch (err) {
      this.consecutiveFailures++;
      this.log.error({ roomId: this.roomId, err: String(err) }, 'the track source failed to give the next track');
    } finally {
      this.fetchingNext = false;
    }
  }

  private onTrackStarted(track: PlannedTrack, reason: SwitchReason, atFrame: number): void {
    this.consecutiveFailures = 0;
    const entry: PlayEntry = { track: publicTrack(track), reason, audibleAtMs: Math.round(this.frameToProgramDate(atFrame)) };
    this.history.push(entry);
    if (this.history.length > 10) this.history.shift();
    this.log.info({ roomId: this.roomId, trackId: track.trackId, reason }, 'track started');
    this.emit('trackStarted', entry);
  }

  private frameToProgramDate(frame: number): number {
    return this.run.epochMs + ((frame - this.run.startFrame) * 1000) / SAMPLE_RATE;
  }

  private startEncoder(): void {
    if (this.stopped) return;
    const lastEndMs = this.playlist.endProgramDateMs ?? 0;
    const now = Date.now();
    // The program-date clock never runs backwards, and stays near the wall clock after a restart.
    this.run = { startFrame: this.mixer.renderedFrames, startPerf: performance.now(), startWallMs: now, epochMs: Math.max(now, lastEndMs) };
    const encoder = new HlsEncoder({ bitrateKbps: this.settings.bitrateKbps, framesPerPart: this.framesPerPart });
    const run = this.run;
    encoder.on('init', (init) => {
      if (!this.stopped && encoder === this.encoder) this.playlist.startRun(init);
    });
    encoder.on('part', (part) => {
      if (!this.stopped && encoder === this.encoder) this.addPart(part, run);
    });
    encoder.on('exit', (info) => this.onEncoderExit(encoder, info));
    this.encoder = encoder;
    this.pace();
  }

  private addPart(part: EncodedPart, run: RoomStream['run']): void {
    const completed = this.playlist.addPart({
      bytes: part.bytes,
      durationS: part.durationS,
      programDateMs: Math.round(run.epochMs + part.startS * 1000),
    });
    if (!completed) return;
    // Production lag: how long after its last sample was due (real-time pace) the segment appeared.
    // (The first leadS seconds of a run are written at once, so they are due at its start.)
    const endS = part.startS + part.durationS;
    const dueMs = run.startWallMs + Math.max(0, endS - this.settings.leadS) * 1000;
    this.emit('segment', { sequence: completed.sequence, lagS: Math.max(0, (Date.now() - dueMs) / 1000) });
  }

  private onEncoderExit(encoder: HlsEncoder, info: { code: number | null; signal: NodeJS.Signals | null; stderr: string }): void {
    if (this.stopped || encoder !== this.encoder) return;
    this.encoder = undefined;
    this.encoderRestarts++;
    // Its unfinished segment is closed as it is; the next run starts after a discontinuity.
    this.playlist.endRun();
    this.emit('encoderRestart', info);
    const now = Date.now();
    this.recentRestarts = [...this.recentRestarts.filter((t) => now - t < RESTART_WINDOW_MS), now];
    const delayMs = this.recentRestarts.length > RESTART_BURST ? 5000 : 100;
    this.log.warn({ roomId: this.roomId, ...info, delayMs }, 'stream encoder exited; restarting it');
    setTimeout(() => this.startEncoder(), delayMs);
  }
}

/** On the bus (server/events.ts): a pick became audible in a room's stream. */
export type TrackStartedEvent = PlayEntry & { roomId: string };
