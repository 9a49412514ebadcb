/** A small Node client for the signalling protocol (tests, load generator). */
import WebSocket from 'ws';

export class SignallingWs {
  private nextId = 1;
  private readonly pending = new Map<number, (reply: Reply) => void>();
  readonly events: { event: string; data: unknown }[] = [];
  readonly replies: Reply[] = [];

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (raw) => {
      const message = JSON.parse(String(raw)) as Reply & { event?: string };
      if (message.event) {
        this.events.push({ event: message.event, data: message.data });
        return;
      }
      this.replies.push(message);
      if (typeof message.id === 'number') {
        const resolve = this.pending.get(message.id);
        this.pending.delete(message.id);
        resolve?.(message);
      }
    });
  }

  static connect(url: string): Promise<SignallingWs> {
    const socket = new WebSocket(url);
    return new Promise((resolve, reject) => {
      socket.once('open', () => resolve(new SignallingWs(socket)));
      socket.once('error', reject);
    });
  }

  /** Sends a request and resolves with the reply (ok or not). */
  call(method: string, data: Record<string, unknown> = {}, timeoutMs = 30000): Promise<Reply> {
    const id = this.nextId++;
    this.socket.send(JSON.stringify({ v: 1, id, method, data }));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${method}: no reply in ${timeoutMs} ms`)), timeoutMs);
      this.pending.set(id, (reply) => {
        clearTimeout(timer);
        resolve(reply);
      });
    });
  }

  /** Like call(), but throws on an error reply. */
  async request<T = Record<string, unknown>>(method: string, data: Record<string, unknown> = {}): Promise<T> {
    const reply = await this.call(method, data);
    if (!reply.ok) throw new Error(`${method}: ${reply.error?.code}: ${reply.error?.message}`);
    return reply.data as T;
  }

  close(): Promise<void> {
    if (this.socket.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      this.socket.once('close', () => resolve());
      this.socket.close();
    });
  }
}

export interface Reply {
  v: number;
  id: number | null;
  ok: boolean;
  data?: unknown;
  error?: { code: string; message: string };
}
