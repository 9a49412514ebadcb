/**
 * Node registry: each node announces itself in Redis (id, public URL, RTC address, load) every
 * ttl/4 with a key that expires after ttl, so a dead node (kill -9, lost network) drops out within
 * ttl without anyone noticing it first. The set of node ids is pruned lazily by readers.
 */
import os from 'node:os';

import type { Redis } from 'ioredis';

import type { ClusterKeys } from './keys.js';

export interface NodeLoad {
  /** Participants in rooms this node owns (each one costs decoders and model time). */
  participants: number;
  rooms: number;
  /** Analysed participants it can still take before it runs out of model time (capacity − participants). */
  analysisHeadroom: number;
  /** Machine load: 1-minute load average per core. */
  cpu: number;
  /** HLS listeners this node serves (as owner or edge). */
  listeners: number;
}

export interface NodeInfo {
  id: string;
  /** Where clients and other nodes reach its HTTP and WebSocket (e.g. http://10.0.0.5:8080). */
  url: string;
  /** The address browsers send media to (MEDIASOUP_ANNOUNCED_IP) and its port range. */
  rtc: { announcedIp: string | null; minPort: number; maxPort: number };
  load: NodeLoad;
  startedAt: number;
  beatAt: number;
}

export interface NodeRegistryOptions {
  redis: Redis;
  keys: ClusterKeys;
  ttlMs: number;
  /** This node's announcement; load() is read at every beat. */
  self: Omit<NodeInfo, 'load' | 'beatAt'>;
  load(): Omit<NodeLoad, 'cpu'>;
  onError?(err: unknown): void;
  onBeat?(ok: boolean): void;
}

export class NodeRegistry {
  private timer: NodeJS.Timeout | undefined;
  private lastOkAt = 0;

  constructor(private readonly o: NodeRegistryOptions) {}

  get id(): string {
    return this.o.self.id;
  }

  /** Whether the last heartbeat reached Redis within the TTL (our entry is still live). */
  get announced(): boolean {
    return Date.now() - this.lastOkAt < this.o.ttlMs;
  }

  info(): NodeInfo {
    const cores = os.availableParallelism();
    return { ...this.o.self, load: { ...this.o.load(), cpu: Math.round((os.loadavg()[0]! / cores) * 100) / 100 }, beatAt: Date.now() };
  }

  /** Announces now, then every ttl/4. Resolves after the first beat (or its failure). */
  async start(): Promise<void> {
    await this.beat();
    this.timer = setInterval(() => void this.beat(), Math.max(50, Math.floor(this.o.ttlMs / 4)));
    this.timer.unref();
  }

  async beat(): Promise<boolean> {
    const info = this.info();
    try {
      await this.o.redis
        .multi()
        .set(this.o.keys.node(info.id), JSON.stringify(info), 'PX', this.o.ttlMs)
        .sadd(this.o.keys.nodes, info.id)
        .exec();
      this.lastOkAt = info.beatAt;
      this.o.onBeat?.(true);
      return true;
    } catch (err) {
      this.o.onError?.(err);
      this.o.onBeat?.(false);
      return false;
    }
  }

  /** Every node with a live heartbeat (this one included). */
  async list(): Promise<NodeInfo[]> {
    const ids = await this.o.redis.smembers(this.o.keys.nodes);
    if (ids.length === 0) return [];
    const values = await this.o.redis.mget(ids.map((id) => this.o.keys.node(id)));
    const live: NodeInfo[] = [];
    const gone: string[] = [];
    values.forEach((value, i) => {
      if (value) live.push(JSON.parse(value) as NodeInfo);
      else gone.push(ids[i]!);
    });
    if (gone.length > 0) await this.o.redis.srem(this.o.keys.nodes, ...gone);
    return live;
  }

  async get(id: string): Promise<NodeInfo | undefined> {
    const value = await this.o.redis.get(this.o.keys.node(id));
    return value ? (JSON.parse(value) as NodeInfo) : undefined;
  }

  /** Stops beating and removes this node's entry at once (a clean shutdown needs no TTL wait). */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.o.redis
      .multi()
      .del(this.o.keys.node(this.id))
      .srem(this.o.keys.nodes, this.id)
      .exec()
      .catch(() => {});
  }
}
