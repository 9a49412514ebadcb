/**
 * Gets a stuck player moving again. hls.js (1.7.4) can stop loading for good after a stream
 * discontinuity: in the cluster failover test (test/cluster/cluster.test.ts) the new owner's
 * stream started a second past the end of the buffer, and hls.js sat IDLE with LL parts on, its
 * playlist updating every part, for 90 s without requesting a fragment, the playhead at the end of
 * the buffer (readyState 2). The wall-clock sync cannot help: it only steers a player that plays.
 *
 * The watchdog looks once a second. A player that should play (not paused, online) and has not
 * moved for STUCK_MS is first seeked to where it should be (the sync's target, else hls.js's live
 * position), which makes hls.js load from there; if that does not help within STUCK_MS either, the
 * player starts over (a new hls.js instance), at most once per RESTART_BACKOFF_MS. In the failover
 * trace the seek alone did not: hls.js stayed IDLE with the new stream's playlist, so the restart is
 * what brings the music back.
 */
import type Hls from 'hls.js';

/** How long a playing player may stand still before the watchdog acts. Longer than a normal start or a crossfade. */
const STUCK_MS = 4000;
const SEEKS_BEFORE_RESTART = 1;
const RESTART_BACKOFF_MS = 15_000;
const TICK_MS = 1000;

export interface StallWatchdogHooks {
  audio: () => HTMLAudioElement;
  hls: () => Hls | undefined;
  /** Media time the player should be at (the sync's target), or undefined to use hls.js's live position. */
  target: () => number | undefined;
  /** Starts the player over (destroy and attach again). */
  restart: () => void;
}

export class StallWatchdog {
  /** What the watchdog did, for tests and diagnostics. */
  readonly actions: { at: number; action: 'seek' | 'restart' | 'moving'; from: number; to?: number }[] = [];

  private timer: number | undefined;
  private lastTime = -1;
  private stillSince = 0;
  private seeks = 0;
  private lastRestart = -Infinity;

  constructor(private readonly hooks: StallWatchdogHooks) {}

  start(): void {
    this.stop();
    this.timer = window.setInterval(() => this.tick(), TICK_MS);
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.lastTime = -1;
  }

  private tick(): void {
    const audio = this.hooks.audio();
    const hls = this.hooks.hls();
    const now = performance.now();
    // Paused on purpose, offline (hls.js waits for the network by itself), or moving: all fine. A
    // seek that has not landed after STUCK_MS is as stuck as a player that stands still (seen: a
    // seek past the buffer's end that hls.js never loaded).
    if (!hls || audio.paused || navigator.onLine === false || audio.currentTime !== this.lastTime) {
      // After an action: note when the player moves again (the recovery's end, for diagnostics).
      const last = this.actions.at(-1);
      if (last && last.action !== 'moving' && !audio.paused && this.lastTime >= 0 && audio.currentTime > this.lastTime) {
        this.actions.push({ at: Date.now(), action: 'moving', from: audio.currentTime });
      }
      this.lastTime = audio.currentTime;
      this.stillSince = now;
      if (!audio.paused && audio.readyState >= 3) this.seeks = 0;
      return;
    }
    if (now - this.stillSince < STUCK_MS) return;
    this.stillSince = now;
    const from = audio.currentTime;
    if (this.seeks < SEEKS_BEFORE_RESTART) {
      const details = hls.latestLevelDetails;
      const listedFrom = details?.fragments[0]?.start;
      let to = this.hooks.target() ?? hls.liveSyncPosition ?? undefined;
      if (to !== undefined && listedFrom !== undefined) to = Math.max(to, listedFrom);
      if (to !== undefined && to > from) {
        this.seeks++;
        this.actions.push({ at: Date.now(), action: 'seek', from, to });
        audio.currentTime = to;
        return;
      }
    }
    if (now - this.lastRestart < RESTART_BACKOFF_MS) return;
    this.lastRestart = now;
    this.seeks = 0;
    this.actions.push({ at: Date.now(), action: 'restart', from });
    this.hooks.restart();
  }
}
