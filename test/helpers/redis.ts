/**
 * The machine's Redis for cluster tests: MOODIFY_TEST_REDIS_URL or 127.0.0.1:6379 (.ci/run starts it). Each test
 * run uses its own key prefix, so runs never see each other's nodes, rooms or locks.
 */
import crypto from 'node:crypto';

import { Redis } from 'ioredis';

export const REDIS_URL = process.env.MOODIFY_TEST_REDIS_URL || 'redis://127.0.0.1:6379';

export function testPrefix(label: string): string {
  return `moodify-test:${label}:${Date.now().toString(36)}${crypto.randomBytes(3).toString('hex')}`;
}

export async function redisReachable(): Promise<boolean> {
  const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 2000 });
  redis.on('error', () => {});
  try {
    await redis.connect();
    return (await redis.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    redis.disconnect();
  }
}

/** Deletes every key under a test prefix. */
export async function dropPrefix(prefix: string): Promise<void> {
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
      cursor = next;
      if (keys.length) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}
