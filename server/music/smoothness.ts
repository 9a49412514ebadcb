/**
 * When to change track: normally at the end of the current one. Early only when the mood moved
 * strongly away from the mood the track was picked for, stayed away for sustainMs, and the track
 * has already played minDwellMs. Pure state + a clock passed in.
 *
 * "Stayed away" has hysteresis: the sustain starts at a strong change (≥ strongChange) and is
 * reset only when the mood comes back near the pick's mood (< returnChange). Sensed moods are
 * probability-weighted points that wobble by a few tenths from one reading to the next (bench:e2e
 * measured a happy room at 0.30–0.66 valence), so a single threshold let every dip restart the
 * sustain and a real, lasting change never switched.
 */
import { distance, type MoodPoint } from '../../vocabulary/circumplex.js';

export interface DwellOptions {
  minDwellMs: number;
  /** Circumplex distance that counts as a strong change. */
  strongChange: number;
  /** Back within this distance of the pick's mood, the change is over (≤ strongChange; default 0.3). */
  returnChange?: number;
  sustainMs: number;
}

export const DEFAULT_DWELL_OPTIONS: DwellOptions = { minDwellMs: 45_000, strongChange: 0.6, returnChange: 0.3, sustainMs: 8_000 };

export class DwellTracker {
  private startedAt = 0;
  private pickedFor: MoodPoint | undefined;
  private awaySince: number | undefined;
  /** A deliberate change (a user pinned a mood) is waiting: it needs no sustain, only the minimum dwell. */
  private deliberate = false;
  /** Set while a change the tracker wants is held back by the minimum dwell: when it may happen. */
  private held: number | undefined;

  constructor(readonly options: DwellOptions = DEFAULT_DWELL_OPTIONS) {}

  started(mood: MoodPoint, now: number): void {
    this.startedAt = now;
    this.pickedFor = { valence: mood.valence, arousal: mood.arousal };
    this.awaySince = undefined;
    this.deliberate = false;
    this.held = undefined;
  }

  /** The picked track became audible (a stream queues picks ahead): the dwell counts from here. */
  audible(now: number): void {
    this.startedAt = now;
  }

  /**
   * Feed every mood update; true when the current track should give way before its end.
   * `deliberate`: the change is a user's explicit choice (a mood override), not noisy sensing,
   * so it need not be sustained; it still waits for the minimum dwell (remembered until then).
   */
  shouldSwitchEarly(mood: MoodPoint, now: number, deliberate = false): boolean {
    this.held = undefined;
    if (!this.pickedFor) return false;
    if (deliberate) this.deliberate = true;
    const away = distance(mood, this.pickedFor);
    const returned = away < (this.options.returnChange ?? this.options.strongChange);
    if (returned || (this.awaySince === undefined && away < this.options.strongChange)) {
      if (returned) {
        this.awaySince = undefined;
        this.deliberate = false;
      }
      return false;
    }
    this.awaySince ??= now;
    const sustained = this.deliberate || now - this.awaySince >= this.options.sustainMs;
    const dwellOver = now - this.startedAt >= this.options.minDwellMs;
    if (sustained && !dwellOver) this.held = this.startedAt + this.options.minDwellMs;
    return sustained && dwellOver;
  }

  /** When a wanted change, held back by the minimum dwell, may happen (epoch ms); undefined when none waits. */
  get heldUntil(): number | undefined {
    return this.held;
  }

  /** The mood the current track was picked for. */
  get pickedForMood(): MoodPoint | undefined {
    return this.pickedFor;
  }

  /** Milliseconds until the minimum dwell is over (0 once it is). */
  dwellRemainingMs(now: number): number {
    return this.pickedFor ? Math.max(0, this.startedAt + this.options.minDwellMs - now) : 0;
  }

  /** True while a deliberate change waits for the minimum dwell. */
  get deliberatePending(): boolean {
    return this.deliberate;
  }
}
