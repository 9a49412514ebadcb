/**
 * The wall-clock sync loop of one <moodify-player> (the rules are in wall-clock-sync.ts): reads
 * the server's clock, tells hls.js where to start loading, then every 200 ms compares the
 * playing position on the program-date clock with the room's target and seeks or nudges the
 * playback rate. Works on the media element and hls.js the player owns; holds no other state.
 */
import type Hls from 'hls.js';

import { correctionFor, dateAtMediaTime, type DatedSpan, localNowMs, mediaTimeAtDate, ServerClock } from './wall-clock-sync.js';

/** How often the sync looks at the playing position. */
const TICK_MS = 200;
/** After a seek, let playback settle before judging the position again. */
const SEEK_SETTLE_MS = 1500;
/** The first load takes a moment: start that far past the target so no seek is needed once it plays. */
const START_LOAD_ALLOWANCE_MS = 250;
/** How close to the newest listed media a sync seek may land, s. */
const EDGE_MARGIN_S = 0.5;
/** Re-read the server clock now and then (device clocks drift, NTP steps them). */
const CLOCK_REFRESH_MS = 30_000;

export class PlayerSync {
  readonly clock = new ServerClock();
  /** Last measured error, ms: playing position minus target (positive: ahead of the room). */
  errorMs: number | undefined;

  private tickTimer: number | undefined;
  private clockTimer: number | undefined;
  private settleUntil = 0;

  constructor(
    private readonly audio: () => HTMLAudioElement,
    private readonly hls: () => Hls | undefined,
  ) {}

  /** Reads the server's clock (a failure leaves the player near the live edge), then runs the loop. */
  async start(): Promise<void> {
    this.stop();
    try {
      await this.clock.measure();
    } catch {
      /* the loop waits for the clock; the periodic re-read tries again */
    }
    this.tickTimer = window.setInterval(() => this.tick(), TICK_MS);
    this.clockTimer = window.setInterval(() => void this.clock.measure(2).catch(() => {}), CLOCK_REFRESH_MS);
  }

  stop(): void {
    clearInterval(this.tickTimer);
    clearInterval(this.clockTimer);
  }

  /** The stream's segments and, near the live edge, its parts, each with its program date. */
  private datedSpans(): DatedSpan[] {
    const details = this.hls()?.latestLevelDetails;
    if (!details) return [];
    const parts = (details.partList ?? []).map((p) => ({
      start: p.start,
      duration: p.duration,
      programDateTime: p.fragment.programDateTime === null ? null : p.fragment.programDateTime + (p.start - p.fragment.start) * 1000,
    }));
    return [...details.fragments, ...parts];
  }

  /** The playback position on the program-date clock (ms), when it is known. */
  playingDateMs(): number | undefined {
    const audio = this.audio();
    const hls = this.hls();
    if (hls) return dateAtMediaTime(this.datedSpans(), audio.currentTime) ?? hls.playingDate?.getTime();
    // The browser's own HLS (Safari) maps media time to the program date itself.
    const start = (audio as HTMLAudioElement & { getStartDate?: () => Date }).getStartDate?.();
    if (start && !Number.isNaN(start.getTime())) return start.getTime() + audio.currentTime * 1000;
    return undefined;
  }

  /** Where hls.js should start loading: the media time of the room's target, else its own choice (-1). */
  startPosition(): number {
    if (!this.clock.ready) return -1;
    const target = this.clock.now() + this.clock.playAtOffsetMs! + START_LOAD_ALLOWANCE_MS;
    return mediaTimeAtDate(this.datedSpans(), target) ?? -1;
  }

  /** One step: measure the error, then seek or nudge the playback rate. */
  private tick(): void {
    const audio = this.audio();
    if (!this.clock.ready || audio.paused || audio.seeking || audio.readyState < 3 || localNowMs() < this.settleUntil) return;
    const position = this.playingDateMs();
    if (position === undefined) return;
    this.errorMs = position - (this.clock.now() + this.clock.playAtOffsetMs!);
    const correction = correctionFor(this.errorMs);
    if (correction.kind === 'seek') {
      audio.playbackRate = 1;
      // Never past what the playlist has (a server that fell behind real time): a seek into
      // nothing would stall; at worst this device waits at the edge with the others.
      const spans = this.datedSpans();
      const edge = spans.length ? Math.max(...spans.map((s) => s.start + s.duration)) - EDGE_MARGIN_S : Infinity;
      audio.currentTime = Math.max(0, Math.min(audio.currentTime + correction.bySeconds, Math.max(edge, audio.currentTime)));
      this.settleUntil = localNowMs() + SEEK_SETTLE_MS;
    } else if (Math.abs(audio.playbackRate - correction.rate) >= 0.001) {
      audio.playbackRate = correction.rate;
    }
  }
}
