/**
 * One node's membership of the cluster: its Redis connections, its heartbeat in the node
 * registry, the rooms it owns, where new rooms go, and the cluster-wide job locks. Built by
 * server/app.ts only when REDIS_URL is set; wired into rooms, live events and streams by
 * server/cluster/plugin.ts.
 */
import crypto from 'node:crypto';
import os from 'node:os';

import type { FastifyBaseLogger } from 'fastify';
import { Redis } from 'ioredis';

import type { AppConfig } from '../config.js';
import { JobLocks } from './job-lock.js';
import { ClusterKeys } from './keys.js';
import { type NodeLoad, NodeRegistry } from './node-registry.js';
import { type RoomOwner, RoomOwnership } from './ownership.js';
import { RoomPlacement } from './placement.js';

export const EDGE_HEADER = 'x-moodify-edge';

export interface ClusterOptions {
  config: AppConfig;
  logger: FastifyBaseLogger;
  /** The node's current load (rooms, participants, listeners), read at every heartbeat. */
  load(): Omit<NodeLoad, 'cpu' | 'analysisHeadroom'>;
  /** A room this node owned was taken by another (this node stalled past its lease). */
  onRoomLost(roomId: string, newOwner: RoomOwner | undefined): void;
}

export class Cluster {
  readonly keys: ClusterKeys;
  readonly nodeId: string;
  /** Commands (scripts, heartbeats, rate limits). Fails fast while Redis is unreachable. */
  readonly redis: Redis;
  /** Pub/sub only (a subscribed connection takes no other commands). */
  readonly subscriber: Redis;
  readonly registry: NodeRegistry;
  readonly ownership: RoomOwnership;
  readonly placement: RoomPlacement;
  readonly jobs: JobLocks;
  /** Proves an HLS request comes from another node's edge (derived from the shared JWT_SECRET). */
  readonly edgeSecret: string;
  private publicUrl = '';
  private lastRedisError: string | undefined;

  constructor(private readonly o: ClusterOptions) {
    const { config } = o;
    this.keys = new ClusterKeys(config.REDIS_KEY_PREFIX);
    this.nodeId =
      config.NODE_ID ??
      `${os
        .hostname()
        .replace(/[^A-Za-z0-9_.-]/g, '-')
        .slice(0, 40)}-${crypto.randomBytes(3).toString('hex')}`;
    const redisOptions = {
      // A command while Redis is away fails at once (a clear error) instead of queueing forever.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      connectTimeout: 3000,
      retryStrategy: (times: number) => Math.min(2000, 100 * times),
      lazyConnect: true,
    };
    this.redis = new Redis(config.REDIS_URL!, redisOptions);
    this.subscriber = new Redis(config.REDIS_URL!, { ...redisOptions, enableOfflineQueue: true, maxRetriesPerRequest: null });
    for (const [name, connection] of [
      ['commands', this.redis],
      ['pubsub', this.subscriber],
    ] as const) {
      connection.on('error', (err: Error) => {
        if (this.lastRedisError !== err.message) o.logger.warn({ connection: name, err: err.message }, 'cluster: Redis error');
        this.lastRedisError = err.message;
      });
      connection.on('ready', () => {
        if (this.lastRedisError) o.logger.info({ connection: name }, 'cluster: Redis is back');
        this.lastRedisError = undefined;
      });
    }
    this.edgeSecret = crypto
      .createHmac('sha256', config.JWT_SECRET ?? '')
      .update(`moodify-edge:${config.REDIS_KEY_PREFIX}`)
      .digest('base64url');
    this.registry = new NodeRegistry({
      redis: this.redis,
      keys: this.keys,
      ttlMs: config.CLUSTER_NODE_TTL_MS,
      self: {
        id: this.nodeId,
        get url() {
          return selfUrl();
        },
        rtc: { announcedIp: config.MEDIASOUP_ANNOUNCED_IP ?? null, minPort: config.RTC_MIN_PORT, maxPort: config.RTC_MAX_PORT },
        startedAt: Date.now(),
      },
      load: () => {
        const load = o.load();
        return { ...load, analysisHeadroom: config.CLUSTER_NODE_CAPACITY - load.participants };
      },
    });
    const selfUrl = () => this.publicUrl;
    this.ownership = new RoomOwnership({
      redis: this.redis,
      keys: this.keys,
      nodeId: this.nodeId,
      leaseMs: config.CLUSTER_ROOM_LEASE_MS,
      onLost: (roomId, newOwner) => {
        o.logger.warn({ roomId, newOwner }, 'cluster: another node owns this room now (this node missed its lease); stepping down');
        o.onRoomLost(roomId, newOwner);
      },
    });
    this.placement = new RoomPlacement(this.ownership, this.registry);
    this.jobs = new JobLocks(this.redis, this.keys, this.nodeId);
  }

  get url(): string {
    return this.publicUrl;
  }

  /** Connects to Redis (a Redis that is down at start is retried in the background). */
  async connect(): Promise<void> {
    await Promise.all([this.redis.connect(), this.subscriber.connect()]).catch((err: unknown) => {
      this.o.logger.error(
        { err: String(err) },
        'cluster: Redis unreachable at start; retrying in the background (new rooms cannot be placed until it answers)',
      );
    });
  }

  /** Starts the heartbeat once the HTTP server listens (its URL is known only then). */
  async announce(listenPort: number): Promise<void> {
    const { config } = this.o;
    const host = config.HOST === '0.0.0.0' || config.HOST === '::' ? (config.MEDIASOUP_ANNOUNCED_IP ?? '127.0.0.1') : config.HOST;
    this.publicUrl = config.PUBLIC_URL ?? `http://${host.includes(':') ? `[${host}]` : host}:${listenPort}`;
    await this.registry.start();
    this.o.logger.info({ nodeId: this.nodeId, url: this.publicUrl, prefix: config.REDIS_KEY_PREFIX }, 'cluster: node announced');
  }

  /** For /readyz: Redis answers, and this node's heartbeat is live. */
  async health(): Promise<{ ok: boolean; nodeId: string; url: string; redis: { ok: boolean; error?: string }; heldRooms: number }> {
    let error: string | undefined;
    try {
      await withTimeout(this.redis.ping(), 1500);
    } catch (err) {
      error = err instanceof Error ? err.message : String(err);
    }
    const ok = error === undefined && this.registry.announced;
    return {
      ok,
      nodeId: this.nodeId,
      url: this.publicUrl,
      redis: { ok: error === undefined, ...(error && { error }) },
      heldRooms: this.ownership.heldRooms.length,
    };
  }

  isEdgeRequest(headers: Record<string, string | string[] | undefined>): boolean {
    const given = headers[EDGE_HEADER];
    if (typeof given !== 'string' || given.length !== this.edgeSecret.length) return false;
    return crypto.timingSafeEqual(Buffer.from(given), Buffer.from(this.edgeSecret));
  }

  /** Leaves the cluster: rooms released (the next join re-places them at once), heartbeat removed. */
  async close(): Promise<void> {
    await this.ownership.close().catch(() => {});
    await this.registry.stop();
    this.redis.disconnect();
    this.subscriber.disconnect();
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms).unref()),
  ]);
}
