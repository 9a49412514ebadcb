/**
 * Every Redis key and channel the cluster uses, in one place, under one prefix (REDIS_KEY_PREFIX;
 * tests use a prefix per run, so runs never see each other's nodes or rooms).
 *
 * The scripts build node keys from a node id they read (ownership.ts), so everything lives in one
 * Redis (or a Sentinel-managed primary), not a Redis Cluster with slots.
 */
export class ClusterKeys {
  constructor(readonly prefix: string) {}

  /** Set of node ids that ever announced themselves (pruned when their heartbeat key is gone). */
  get nodes(): string {
    return `${this.prefix}:nodes`;
  }
  /** A node's heartbeat: JSON NodeInfo, expires after CLUSTER_NODE_TTL_MS without a beat. */
  nodePrefix(): string {
    return `${this.prefix}:node:`;
  }
  node(id: string): string {
    return `${this.nodePrefix()}${id}`;
  }
  /** `nodeId|token` of the room's owner, expires after CLUSTER_ROOM_LEASE_MS without renewal. */
  roomOwner(roomId: string): string {
    return `${this.prefix}:room:${roomId}:owner`;
  }
  /** The room's fencing counter: every new claim takes the next number, never reused. */
  roomFence(roomId: string): string {
    return `${this.prefix}:room:${roomId}:fence`;
  }
  /** The owner's latest live state (members, mood, now playing) for watchers that arrive late. */
  roomSnapshot(roomId: string): string {
    return `${this.prefix}:room:${roomId}:live`;
  }
  /** Pub/sub channel of a room's live events. */
  liveChannel(roomId: string): string {
    return `${this.prefix}:live:${roomId}`;
  }
  /** A cluster-wide job's lock (retention, bundled import). */
  jobLock(name: string): string {
    return `${this.prefix}:lock:${name}`;
  }
  /** Prefix for @fastify/rate-limit's Redis store. */
  get rateLimit(): string {
    return `${this.prefix}:ratelimit:`;
  }
}
