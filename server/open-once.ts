/**
 * One opening per key at a time: whoever asks for a key while it is being opened shares that
 * attempt instead of starting a second one (two joins racing into a new room get one room, two
 * requests for a room's music get one stream). An attempt is forgotten when it settles, so a failed
 * one can be tried again and a closed room opened anew.
 */
export class OpenOnce<V> {
  private readonly pending = new Map<string, Promise<V>>();

  /** Attempts in flight. */
  get size(): number {
    return this.pending.size;
  }

  /** Every attempt in flight (to let them settle before shutting down). */
  inFlight(): Promise<V>[] {
    return [...this.pending.values()];
  }

  /** The attempt in flight for `key`, or a new one: `open()`, called at once (before the attempt is registered). */
  open(key: string, open: () => Promise<V>): Promise<V> {
    let attempt = this.pending.get(key);
    if (!attempt) {
      attempt = open().finally(() => this.pending.delete(key));
      this.pending.set(key, attempt);
    }
    return attempt;
  }
}
