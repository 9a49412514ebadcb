/**
 * Room ownership: at most one node owns a room at a time (LiveKit's "room → node" map, with a
 * lease and a fencing token).
 *
 * - claim: one Lua script, so two nodes racing for a room cannot both win. A room whose owner's
 *   heartbeat is gone (the node died) is taken over at once, without waiting for its lease.
 *   Every claim takes the next number of the room's fencing counter.
 * - renew: the owner extends its lease every lease/3. The script extends only `node|token` as
 *   written by that claim; a node that stalled past its lease and lost the room to another gets
 *   `lost` and steps down (its peers are told to rejoin, and land on the new owner).
 * - fenced writes: a publish or a snapshot write goes through only while Redis still names this
 *   node with this token, so a stalled ex-owner cannot speak for the room; readers also drop any
 *   message with a token lower than the highest they saw.
 * While Redis is unreachable a held room stays held (it keeps running); when Redis returns empty
 * (restarted without persistence) the owner re-asserts its lease, unless a higher token exists.
 */
import type { Redis } from 'ioredis';

import type { ClusterKeys } from './keys.js';

export interface RoomOwner {
  nodeId: string;
  token: number;
}

interface HeldRoom {
  token: number;
  /** Until when the lease is certainly ours (start of the last successful renewal + lease). */
  validUntil: number;
}

// KEYS: owner, fence. ARGV: candidate node, lease ms, node key prefix.
const CLAIM = `
local cur = redis.call('GET', KEYS[1])
if cur then
  local node, token = string.match(cur, '^(.*)|(%d+)$')
  if node and redis.call('EXISTS', ARGV[3] .. node) == 1 then return {0, node, token} end
end
if redis.call('EXISTS', ARGV[3] .. ARGV[1]) == 0 then return {-1, ARGV[1], '0'} end
local token = redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], ARGV[1] .. '|' .. token, 'PX', ARGV[2])
return {1, ARGV[1], tostring(token)}`;

// KEYS: owner, fence. ARGV: node|token, token, lease ms. 1 = still ours, 0 = lost.
const RENEW = `
local cur = redis.call('GET', KEYS[1])
if cur == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[3]) return 1 end
if cur then return 0 end
local fence = tonumber(redis.call('GET', KEYS[2]) or '0')
local token = tonumber(ARGV[2])
if fence > token then return 0 end
if fence < token then redis.call('SET', KEYS[2], ARGV[2]) end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[3])
return 1`;

// KEYS: owner. ARGV: node|token.
const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

// KEYS: owner, snapshot key. ARGV: node|token, channel, message, snapshot (or ''), snapshot ttl ms.
const FENCED_PUBLISH = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return -1 end
if ARGV[4] ~= '' then redis.call('SET', KEYS[2], ARGV[4], 'PX', ARGV[5]) end
return redis.call('PUBLISH', ARGV[2], ARGV[3])`;

type ScriptedRedis = Redis & {
  moodifyClaim(owner: string, fence: string, node: string, leaseMs: number, nodePrefix: string): Promise<[number, string, string]>;
  moodifyRenew(owner: string, fence: string, mine: string, token: number, leaseMs: number): Promise<number>;
  moodifyRelease(owner: string, mine: string): Promise<number>;
  moodifyFencedPublish(
    owner: string,
    snapshotKey: string,
    mine: string,
    channel: string,
    message: string,
    snapshot: string,
    ttlMs: number,
  ): Promise<number>;
};

export function defineOwnershipScripts(redis: Redis): ScriptedRedis {
  const r = redis as ScriptedRedis;
  if (typeof r.moodifyClaim === 'function') return r;
  redis.defineCommand('moodifyClaim', { numberOfKeys: 2, lua: CLAIM });
  redis.defineCommand('moodifyRenew', { numberOfKeys: 2, lua: RENEW });
  redis.defineCommand('moodifyRelease', { numberOfKeys: 1, lua: RELEASE });
  redis.defineCommand('moodifyFencedPublish', { numberOfKeys: 2, lua: FENCED_PUBLISH });
  return r;
}

export class NodeNotAliveError extends Error {}

export interface RoomOwnershipOptions {
  redis: Redis;
  keys: ClusterKeys;
  nodeId: string;
  leaseMs: number;
  /** A held room was taken by another node (this one stalled past its lease): stop acting for it. */
  onLost(roomId: string, newOwner: RoomOwner | undefined): void;
  onError?(err: unknown): void;
}

export class RoomOwnership {
  private readonly redis: ScriptedRedis;
  private readonly held = new Map<string, HeldRoom>();
  private readonly timer: NodeJS.Timeout;
  private renewing: Promise<void> | undefined;

  constructor(private readonly o: RoomOwnershipOptions) {
    this.redis = defineOwnershipScripts(o.redis);
    this.timer = setInterval(() => void this.renewAll(), Math.max(100, Math.floor(o.leaseMs / 3)));
    this.timer.unref();
  }

  /** Who owns the room now (undefined: nobody, or the lease ran out). */
  async owner(roomId: string): Promise<RoomOwner | undefined> {
    return parseOwner(await this.redis.get(this.o.keys.roomOwner(roomId)));
  }

  /**
   * Claims the room for `nodeId` (this node by default; placement claims for the least-loaded
   * node, which adopts the claim when the client arrives). Returns the owner after the script:
   * `claimed` is true only for the one caller whose claim made it the owner.
   */
  async claim(roomId: string, nodeId = this.o.nodeId): Promise<{ claimed: boolean; owner: RoomOwner }> {
    const started = Date.now();
    const [result, node, token] = await this.redis.moodifyClaim(
      this.o.keys.roomOwner(roomId),
      this.o.keys.roomFence(roomId),
      nodeId,
      this.o.leaseMs,
      this.o.keys.nodePrefix(),
    );
    if (result === -1) throw new NodeNotAliveError(`node ${nodeId} has no live heartbeat`);
    const owner = { nodeId: node, token: Number(token) };
    if (result === 1 && nodeId === this.o.nodeId) this.held.set(roomId, { token: owner.token, validUntil: started + this.o.leaseMs });
    return { claimed: result === 1, owner };
  }

  /** Takes up a claim placement made for this node (the redirected client has arrived). */
  adopt(roomId: string, owner: RoomOwner): void {
    if (owner.nodeId !== this.o.nodeId) throw new Error(`room ${roomId} is owned by ${owner.nodeId}, not this node`);
    const current = this.held.get(roomId);
    if (!current || current.token < owner.token) this.held.set(roomId, { token: owner.token, validUntil: Date.now() + this.o.leaseMs / 2 });
  }

  /** This node holds the room (it keeps running even while Redis is unreachable). */
  holds(roomId: string): boolean {
    return this.held.has(roomId);
  }

  tokenOf(roomId: string): number | undefined {
    return this.held.get(roomId)?.token;
  }

  /** The lease is certainly still ours (no renewal missed): safe to start new work for the room. */
  leaseValid(roomId: string): boolean {
    return (this.held.get(roomId)?.validUntil ?? 0) > Date.now();
  }

  get heldRooms(): string[] {
    return [...this.held.keys()];
  }

  /** Gives the room up (its last participant and listener left): the next join places it afresh. */
  async release(roomId: string): Promise<void> {
    const room = this.held.get(roomId);
    if (!room) return;
    this.held.delete(roomId);
    await this.redis
      .moodifyRelease(this.o.keys.roomOwner(roomId), `${this.o.nodeId}|${room.token}`)
      .catch((err: unknown) => this.o.onError?.(err));
  }

  /**
   * Publishes on a channel (and optionally stores the room's snapshot) only while this node is
   * still the room's owner with its token. Returns false when fenced off (or not held here).
   */
  async fencedPublish(
    roomId: string,
    channel: string,
    message: string,
    snapshot?: { key: string; value: string; ttlMs: number },
  ): Promise<boolean> {
    const room = this.held.get(roomId);
    if (!room) return false;
    const result = await this.redis.moodifyFencedPublish(
      this.o.keys.roomOwner(roomId),
      snapshot?.key ?? this.o.keys.roomSnapshot(roomId),
      `${this.o.nodeId}|${room.token}`,
      channel,
      message,
      snapshot?.value ?? '',
      snapshot?.ttlMs ?? 0,
    );
    return result >= 0;
  }

  /** Renews every held lease in one round trip; a lease found taken means this node lost the room. */
  renewAll(): Promise<void> {
    this.renewing ??= this.renewOnce().finally(() => (this.renewing = undefined));
    return this.renewing;
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.renewing;
    await Promise.all(this.heldRooms.map((roomId) => this.release(roomId)));
  }

  private async renewOnce(): Promise<void> {
    const rooms = [...this.held.entries()];
    if (rooms.length === 0) return;
    const started = Date.now();
    const pipeline = this.redis.pipeline();
    for (const [roomId, room] of rooms) {
      (pipeline as unknown as ScriptedRedis).moodifyRenew(
        this.o.keys.roomOwner(roomId),
        this.o.keys.roomFence(roomId),
        `${this.o.nodeId}|${room.token}`,
        room.token,
        this.o.leaseMs,
      );
    }
    let results: [Error | null, unknown][] | null;
    try {
      results = await pipeline.exec();
    } catch (err) {
      this.o.onError?.(err); // Redis is down: keep the rooms running, try again next tick
      return;
    }
    for (let i = 0; i < rooms.length; i++) {
      const [roomId, room] = rooms[i]!;
      const [err, value] = results?.[i] ?? [new Error('no reply'), null];
      if (err) {
        this.o.onError?.(err);
        continue;
      }
      if (this.held.get(roomId) !== room) continue; // released or re-claimed meanwhile
      if (value === 1) {
        room.validUntil = started + this.o.leaseMs;
      } else {
        this.held.delete(roomId);
        this.o.onLost(roomId, await this.owner(roomId).catch(() => undefined));
      }
    }
  }
}

export function parseOwner(value: string | null): RoomOwner | undefined {
  if (!value) return undefined;
  const bar = value.lastIndexOf('|');
  if (bar <= 0) return undefined;
  return { nodeId: value.slice(0, bar), token: Number(value.slice(bar + 1)) };
}
