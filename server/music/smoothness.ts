/**
 * When to change track: normally at the end of the current one. Early only when the mood moved
 * strongly away from the mood the track was picked for, stayed away for sustainMs, and the track
 * has already played minDwellMs. Pure state + a clock passed in.
 */
import { distance, type MoodPoint } from '../mood/circumplex.js';

export interface DwellOptions {
  minDwellMs: number;
  /** Circumplex distance that counts as a strong change. */
  strongChange: number;
  sustainMs: number;
}

export const DEFAULT_DWELL_OPTIONS: DwellOptions = { minDwellMs: 45_000, strongChange: 0.6, sustainMs: 8_000 };

export class DwellTracker {
  private startedAt = 0;
  private pickedFor: MoodPoint | undefined;
  private awaySince: number | undefined;

  constructor(readonly options: DwellOptions = DEFAULT_DWELL_OPTIONS) {}

  started(mood: MoodPoint, now: number): void {
    this.startedAt = now;
    this.pickedFor = { valence: mood.valence, arousal: mood.arousal };
    this.awaySince = undefined;
  }

  /** The picked track became audible (a stream queues picks ahead): the dwell counts from here. */
  audible(now: number): void {
    this.startedAt = now;
  }

  /** Feed every mood update; true when the current track should give way before its end. */
  shouldSwitchEarly(mood: MoodPoint, now: number): boolean {
    if (!this.pickedFor) return false;
    if (distance(mood, this.pickedFor) < this.options.strongChange) {
      this.awaySince = undefined;
      return false;
    }
    this.awaySince ??= now;
    return now - this.awaySince >= this.options.sustainMs && now - this.startedAt >= this.options.minDwellMs;
  }
}
