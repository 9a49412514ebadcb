/**
 * A one-slot async stream: the producer overwrites, the consumer always gets the newest value.
 * A slow consumer therefore never builds a queue; overwritten values are counted as dropped.
 */
export class LatestValue<T> implements AsyncIterable<T> {
  private value: T | undefined;
  private waiter: ((result: IteratorResult<T>) => void) | undefined;
  private closed = false;
  dropped = 0;

  get isClosed(): boolean {
    return this.closed;
  }

  push(value: T): void {
    if (this.closed) return;
    if (this.waiter) {
      const resolve = this.waiter;
      this.waiter = undefined;
      resolve({ value, done: false });
      return;
    }
    if (this.value !== undefined) this.dropped++;
    this.value = value;
  }

  close(): void {
    this.closed = true;
    this.value = undefined;
    this.waiter?.({ value: undefined, done: true });
    this.waiter = undefined;
  }

  next(): Promise<IteratorResult<T>> {
    if (this.value !== undefined) {
      const value = this.value;
      this.value = undefined;
      return Promise.resolve({ value, done: false });
    }
    if (this.closed) return Promise.resolve({ value: undefined, done: true });
    if (this.waiter) return Promise.reject(new Error('LatestValue supports one reader at a time'));
    return new Promise((resolve) => (this.waiter = resolve));
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return { next: () => this.next(), return: async () => (this.close(), { value: undefined, done: true }) };
  }
}

/**
 * A bounded FIFO async stream for audio: every chunk is delivered in order while the consumer
 * keeps up; past `capacity` the oldest chunks are dropped (and counted) rather than growing.
 */
export class BoundedQueue<T> implements AsyncIterable<T> {
  private readonly items: T[] = [];
  private waiter: ((result: IteratorResult<T>) => void) | undefined;
  private closed = false;
  dropped = 0;

  constructor(private readonly capacity: number) {}

  get isClosed(): boolean {
    return this.closed;
  }

  push(item: T): void {
    if (this.closed) return;
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

  get length(): number {
    return this.items.length;
  }

  close(): void {
    this.closed = true;
    this.items.length = 0;
    this.waiter?.({ value: undefined, done: true });
    this.waiter = undefined;
  }

  next(): Promise<IteratorResult<T>> {
    const item = this.items.shift();
    if (item !== undefined) return Promise.resolve({ value: item, done: false });
    if (this.closed) return Promise.resolve({ value: undefined, done: true });
    if (this.waiter) return Promise.reject(new Error('BoundedQueue supports one reader at a time'));
    return new Promise((resolve) => (this.waiter = resolve));
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return { next: () => this.next(), return: async () => (this.close(), { value: undefined, done: true }) };
  }
}
