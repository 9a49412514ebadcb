/**
 * Cluster-wide duties run on one node: a Redis lock (SET NX PX) with expiry, so a node that dies
 * holding it frees it within the expiry.
 *
 * - once(name, periodMs): the first node to ask in each period runs the job; the lock is left to
 *   expire, so the others skip it until the next period (retention every RETENTION_INTERVAL_MIN).
 * - exclusive(name, fn): one node runs fn while the others skip it; the lock is renewed while fn
 *   runs (a long import) and released when it ends.
 * Without Redis the job is skipped (and says so): better late than twice at once.
 */
import type { Redis } from 'ioredis';

import type { ClusterKeys } from './keys.js';

// KEYS: lock. ARGV: holder, ttl ms.
const EXTEND = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0`;
const UNLOCK = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

type LockRedis = Redis & {
  moodifyLockExtend(key: string, holder: string, ttlMs: number): Promise<number>;
  moodifyUnlock(key: string, holder: string): Promise<number>;
};

export class JobLocks {
  private readonly redis: LockRedis;

  constructor(
    redis: Redis,
    private readonly keys: ClusterKeys,
    private readonly nodeId: string,
  ) {
    this.redis = redis as LockRedis;
    if (typeof this.redis.moodifyLockExtend !== 'function') {
      redis.defineCommand('moodifyLockExtend', { numberOfKeys: 1, lua: EXTEND });
      redis.defineCommand('moodifyUnlock', { numberOfKeys: 1, lua: UNLOCK });
    }
  }

  /** True for the one node that takes this period's turn (the lock expires after periodMs). */
  async once(name: string, periodMs: number): Promise<boolean> {
    const result = await this.redis.set(this.keys.jobLock(name), this.nodeId, 'PX', Math.max(1, Math.floor(periodMs)), 'NX');
    return result === 'OK';
  }

  /** Runs fn on this node if no other node runs it now; undefined (fn not run) otherwise. */
  async exclusive<T>(
    name: string,
    fn: () => Promise<T>,
    ttlMs = 30_000,
  ): Promise<{ ran: true; value: T } | { ran: false; holder: string | null }> {
    const key = this.keys.jobLock(name);
    const holder = `${this.nodeId}:${process.pid}:${Date.now()}`;
    if ((await this.redis.set(key, holder, 'PX', ttlMs, 'NX')) !== 'OK') return { ran: false, holder: await this.redis.get(key) };
    const renew = setInterval(() => void this.redis.moodifyLockExtend(key, holder, ttlMs).catch(() => {}), Math.floor(ttlMs / 3));
    renew.unref();
    try {
      return { ran: true, value: await fn() };
    } finally {
      clearInterval(renew);
      await this.redis.moodifyUnlock(key, holder).catch(() => {});
    }
  }
}
