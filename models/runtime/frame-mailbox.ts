/**
 * Latest-frame-wins, round-robin: the frames waiting for one analysis worker.
 *
 * - One slot per participant. A newer frame replaces the waiting one (the older is skipped, never
 *   queued), so the mailbox holds at most one frame per participant however far the worker falls behind.
 * - Participants are served least recently served first (a participant served goes to the back of the
 *   line at once, whether or not its next frame has arrived), so under overload every participant is
 *   served once per round and the frames skipped are spread evenly, whatever each one's frame rate.
 * - A participant with a frame still being analysed is passed over: one frame in flight per participant.
 */
export class FrameMailbox<T> {
  private readonly waiting = new Map<string, T>();
  private readonly busy = new Set<string>();
  /** every participant, least recently served first (Map keeps insertion order) */
  private readonly line = new Map<string, true>();
  /** participants whose next frame may not be taken before a time (a lowered analysis rate) */
  private readonly held = new Map<string, number>();
  /** frames replaced by a newer one before they were taken */
  skipped = 0;

  get size(): number {
    return this.waiting.size;
  }

  /** Leaves `value` for `key`; returns the frame it replaced (now skipped), if any. */
  put(key: string, value: T): T | undefined {
    const replaced = this.waiting.get(key);
    if (replaced !== undefined) this.skipped++;
    this.waiting.set(key, value);
    if (!this.line.has(key)) this.line.set(key, true);
    return replaced;
  }

  /** The frame of the participant waiting longest without one in flight (nor held past `now`); marks it in flight. */
  take(now = performance.now()): [key: string, value: T] | undefined {
    for (const key of this.line.keys()) {
      const value = this.waiting.get(key);
      if (value === undefined || this.busy.has(key) || (this.held.get(key) ?? 0) > now) continue;
      this.waiting.delete(key);
      this.busy.add(key);
      this.line.delete(key);
      this.line.set(key, true);
      return [key, value];
    }
    return undefined;
  }

  /** The frame taken for `key` is done (analysed, failed, or lost with its worker). */
  done(key: string): void {
    this.busy.delete(key);
  }

  /** Forgets a participant: its waiting frame is dropped. */
  remove(key: string): void {
    this.waiting.delete(key);
    this.busy.delete(key);
    this.line.delete(key);
    this.held.delete(key);
  }

  /** No frame of `key` is taken before `until` (0 releases it). */
  hold(key: string, until: number): void {
    if (until > 0) this.held.set(key, until);
    else this.held.delete(key);
  }

  /** The earliest time a held participant's waiting frame may be taken, if any waits on a hold. */
  nextRelease(now = performance.now()): number | undefined {
    let next: number | undefined;
    for (const [key, until] of this.held) {
      if (until <= now || !this.waiting.has(key) || this.busy.has(key)) continue;
      next = next === undefined ? until : Math.min(next, until);
    }
    return next;
  }

  /** Every participant with a frame in flight (to release them when a worker is lost). */
  inFlight(): string[] {
    return [...this.busy];
  }

  has(key: string): boolean {
    return this.waiting.has(key) || this.busy.has(key);
  }
}
