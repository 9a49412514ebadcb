/**
 * The rate limit behind the live events' "at most one per interval, the latest wins" rule. A
 * timing primitive with no knowledge of rooms or moods, so it lives apart from the hub that
 * decides what to send (live-hub.ts keeps one per participant and one per room).
 */

/** Sends the latest call at most once per interval; a call inside the interval is sent at its end. */
export class Throttle {
  private last = -Infinity;
  private timer: NodeJS.Timeout | undefined;
  private pending: (() => void) | undefined;

  constructor(private readonly intervalMs: number) {}

  run(fn: () => void): void {
    const now = Date.now();
    if (!this.timer && now - this.last >= this.intervalMs) {
      this.last = now;
      fn();
      return;
    }
    this.pending = fn;
    this.timer ??= setTimeout(
      () => {
        this.timer = undefined;
        this.last = Date.now();
        const next = this.pending;
        this.pending = undefined;
        next?.();
      },
      Math.max(0, this.last + this.intervalMs - now),
    );
    this.timer.unref();
  }

  cancel(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.pending = undefined;
  }
}
