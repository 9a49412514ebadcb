/**
 * A room's first track waits for the room to be read: picked at neutral before any reading, a
 * smiling room used to start on whatever suits "no mood". The stream's first request for a track
 * waits here until the room has a confident mood (readyForFirstPick), or `waitMs` (at most 10 s) has passed, or
 * nobody is in the room to be read (a listener-only stream starts at once). Meanwhile the room's
 * status is 'listening' (server/mood/engine.ts).
 */

/** Schedules fn after ms; returns how to cancel it (injectable, so tests drive a fake clock). */
export type Scheduler = (fn: () => void, ms: number) => () => void;

export const realScheduler: Scheduler = (fn, ms) => {
  const timer = setTimeout(fn, ms);
  timer.unref();
  return () => clearTimeout(timer);
};

/** Longest wait the issue allows for the first reading. */
export const MAX_FIRST_PICK_WAIT_MS = 10_000;

/**
 * How sure the room mood must be to start the music on it. The group counts members from 0.15,
 * but a fresh participant's first readings make a mood that is still mostly the neutral start of
 * the smoothing (seen: "neutral (0.22)" one reading into a happy face); a second later it is the
 * real one. Below this the first pick waits on (up to the bound) for a surer reading.
 */
export const FIRST_PICK_MIN_CONFIDENCE = 0.3;

/** Whether a room mood is sure enough to start the music on. */
export function readyForFirstPick(mood: { status?: string; confidence: number }): boolean {
  return (mood.status ?? 'mood') === 'mood' && mood.confidence >= FIRST_PICK_MIN_CONFIDENCE;
}

export type FirstPickOutcome = 'ready' | 'read' | 'timed-out';

export class FirstReadingGate {
  private readonly waiters = new Map<string, Set<(outcome: FirstPickOutcome) => void>>();

  constructor(
    private readonly waitMs: number,
    private readonly schedule: Scheduler = realScheduler,
  ) {}

  /**
   * Resolves 'ready' at once when `ready()` (a confident mood, or nobody to read); else 'read'
   * when moodRead(roomId) is called, or 'timed-out' after waitMs.
   */
  wait(roomId: string, ready: () => boolean): Promise<FirstPickOutcome> {
    const waitMs = Math.min(this.waitMs, MAX_FIRST_PICK_WAIT_MS);
    if (waitMs <= 0 || ready()) return Promise.resolve('ready');
    return new Promise((resolve) => {
      let set = this.waiters.get(roomId);
      if (!set) this.waiters.set(roomId, (set = new Set()));
      const done = (outcome: FirstPickOutcome) => {
        cancel();
        set.delete(done);
        if (set.size === 0 && this.waiters.get(roomId) === set) this.waiters.delete(roomId);
        resolve(outcome);
      };
      const cancel = this.schedule(() => done('timed-out'), waitMs);
      set.add(done);
    });
  }

  /** The room has a confident mood now (or nobody is left to read): its waiting first pick goes ahead. */
  moodRead(roomId: string): void {
    for (const done of [...(this.waiters.get(roomId) ?? [])]) done('read');
  }

  get waiting(): number {
    return [...this.waiters.values()].reduce((n, s) => n + s.size, 0);
  }
}
