/**
 * Browser side of the signalling protocol (server/signalling/PROTOCOL.md): request/reply over a
 * WebSocket, server events, and automatic reconnection with backoff after the socket drops.
 */
export interface ServerError {
  code: string;
  message: string;
}

export class RequestError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'RequestError';
  }
}

type Listener = (data: unknown) => void;

export class SignallingClient {
  private socket: WebSocket | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private readonly listeners = new Map<string, Set<Listener>>();
  private stopped = false;
  private attempt = 0;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  /** Back on a network (a laptop woke up, Wi-Fi came back): retry now, not after the backoff. */
  private readonly onOnline = () => {
    if (this.stopped || this.socket?.readyState === WebSocket.OPEN || this.socket?.readyState === WebSocket.CONNECTING) return;
    clearTimeout(this.retryTimer);
    this.attempt = 0;
    this.open();
  };

  constructor(private readonly url: string) {}

  /** Opens the socket; after a drop it reconnects by itself and emits 'open' again. */
  start(): void {
    this.stopped = false;
    globalThis.addEventListener?.('online', this.onOnline);
    this.open();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    globalThis.removeEventListener?.('online', this.onOnline);
    this.socket?.close();
  }

  get connected(): boolean {
    return this.socket?.readyState === WebSocket.OPEN;
  }

  on(event: string, listener: Listener): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(listener);
    return () => set.delete(listener);
  }

  request<T = unknown>(method: string, data: Record<string, unknown> = {}, timeoutMs = 10000): Promise<T> {
    const socket = this.socket;
    if (!socket || socket.readyState !== WebSocket.OPEN)
      return Promise.reject(new RequestError('not-connected', 'signalling is not connected'));
    const id = this.nextId++;
    socket.send(JSON.stringify({ v: 1, id, method, data }));
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new RequestError('timeout', `${method} got no reply within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, {
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v as T);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
    });
  }

  private open(): void {
    const socket = new WebSocket(this.url);
    this.socket = socket;
    socket.onopen = () => {
      this.attempt = 0;
      this.emit('open', undefined);
    };
    socket.onmessage = (ev) => this.onMessage(String(ev.data));
    socket.onclose = () => {
      for (const p of this.pending.values()) p.reject(new RequestError('disconnected', 'signalling connection closed'));
      this.pending.clear();
      this.emit('close', undefined);
      if (this.stopped) return;
      // 0.5 s, 1 s, 2 s … capped at 10 s, with jitter so a server restart is not stampeded.
      const delay = Math.min(10000, 500 * 2 ** this.attempt++) * (0.75 + Math.random() / 2);
      this.retryTimer = setTimeout(() => !this.stopped && this.open(), delay);
    };
  }

  private onMessage(text: string): void {
    let message: { id?: number | null; ok?: boolean; data?: unknown; error?: ServerError; event?: string };
    try {
      message = JSON.parse(text) as typeof message;
    } catch {
      return;
    }
    if (typeof message.event === 'string') {
      this.emit(message.event, message.data);
      return;
    }
    if (typeof message.id !== 'number') return;
    const pending = this.pending.get(message.id);
    if (!pending) return;
    this.pending.delete(message.id);
    if (message.ok) pending.resolve(message.data);
    else pending.reject(new RequestError(message.error?.code ?? 'error', message.error?.message ?? 'request failed'));
  }

  private emit(event: string, data: unknown): void {
    for (const listener of this.listeners.get(event) ?? []) listener(data);
  }
}
