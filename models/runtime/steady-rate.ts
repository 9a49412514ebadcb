/**
 * A lower analysis rate while a participant's expression stays the same. Fusion smooths readings over
 * seconds anyway, so five frames a second of an unchanged face mostly confirm what is known; a change
 * shows in the next analysed frame, which restores the full rate at once.
 *
 * Steady = the last `after` face results had one label, each with confidence ≥ MIN_CONFIDENCE.
 */
import type { FaceResult } from '../face/face-analyzer.js';

const MIN_CONFIDENCE = 0.5;

export class SteadyRate {
  private readonly runs = new Map<string, { label: string; run: number }>();

  /** fps: the rate while steady (0 = never lowered). */
  constructor(
    readonly fps: number,
    readonly after = 10,
  ) {}

  /** The gap to leave after a steady participant's frame, ms; 0 while not steady (or when off). */
  intervalMs(participantId: string): number {
    return this.fps > 0 && (this.runs.get(participantId)?.run ?? 0) >= this.after ? 1000 / this.fps : 0;
  }

  /** Records a face result; true when it ended a steady spell (the caller restores the full rate). */
  note(participantId: string, result: FaceResult | undefined): boolean {
    if (!(this.fps > 0)) return false;
    const wasSteady = this.intervalMs(participantId) > 0;
    const ok = result?.status === 'ok' && result.confidence >= MIN_CONFIDENCE ? result : undefined;
    const current = this.runs.get(participantId);
    if (ok && current && current.label === ok.label) {
      current.run++;
      return false;
    }
    if (ok) this.runs.set(participantId, { label: ok.label, run: 1 });
    else this.runs.delete(participantId);
    return wasSteady;
  }

  forget(participantId: string): void {
    this.runs.delete(participantId);
  }
}
