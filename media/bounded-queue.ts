/**
 * The one queue primitive of the media path: a bounded async stream with one reader. The producer
 * pushes and never waits; past `capacity` the oldest value is dropped (and counted) rather than
 * queued, so a slow reader never builds a backlog.
 *
 * - capacity 0 keeps nothing: only a reader already waiting gets a value;
 * - capacity 1 is a latest-value slot: the reader always gets the newest value (decoded frames for
 *   the analysis, where an old frame is worth nothing once a newer one exists);
 * - a larger capacity keeps order for a reader that falls behind briefly (audio chunks, where every
 *   one counts; voice results for a slow iterator).
 */
export class BoundedQueue<T> implements AsyncIterable<T> {
  private readonly items: T[] = [];
  private waiter: ((result: IteratorResult<T>) => void) | undefined;
  /** no more pushes; the reader still gets what is queued */
  private ended = false;
  /** values dropped because the queue was full */
  dropped = 0;

  constructor(readonly capacity: number) {
    if (!(capacity >= 0)) throw new Error(`BoundedQueue capacity must be 0 or more (got ${capacity})`);
  }

  /** Ended or closed: pushes are ignored. */
  get isClosed(): boolean {
    return this.ended;
  }

  get length(): number {
    return this.items.length;
  }

  push(item: T): void {
    if (this.ended) return;
    if (this.waiter) {
      const resolve = this.waiter;
      this.waiter = undefined;
      resolve({ value: item, done: false });
      return;
    }
    this.items.push(item);
    if (this.items.length > this.capacity) {
      this.items.shift();
      this.dropped++;
    }
  }

  /** No more values: the reader gets those still queued, then the end. */
  end(): void {
    this.ended = true;
    this.waiter?.({ value: undefined, done: true });
    this.waiter = undefined;
  }

  /** Ends at once: what is still queued is dropped. */
  close(): void {
    this.items.length = 0;
    this.end();
  }

  next(): Promise<IteratorResult<T>> {
    if (this.items.length > 0) return Promise.resolve({ value: this.items.shift()!, done: false });
    if (this.ended) return Promise.resolve({ value: undefined, done: true });
    if (this.waiter) return Promise.reject(new Error('BoundedQueue supports one reader at a time'));
    return new Promise((resolve) => (this.waiter = resolve));
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return { next: () => this.next(), return: async () => (this.close(), { value: undefined, done: true }) };
  }
}
