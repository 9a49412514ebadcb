/**
 * A Moodify cluster on loopback for tests and bench:cluster: N real server processes
 * (server/main.ts, as `npm start` runs it), each with its own HTTP port and RTC port range,
 * sharing the machine's Redis (a key prefix per run), one scratch PostgreSQL database and one
 * JWT secret. Nodes can be killed (-9) and started again.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

import { openDatabase } from '../../server/database.js';
import { importDirectory } from '../../server/music/importer.js';
import { createScratchDatabase, type ScratchDatabase } from './postgres.js';
import { dropPrefix, REDIS_URL, testPrefix } from './redis.js';
import { type ServerProcess, startServer, waitFor } from './server-process.js';

export interface ClusterNodeProcess extends ServerProcess {
  nodeId: string;
}

export interface TestCluster {
  prefix: string;
  database: ScratchDatabase;
  nodes: Map<string, ClusterNodeProcess>;
  start(nodeId: string): Promise<ClusterNodeProcess>;
  /** kill -9: no clean shutdown, nothing released; Redis forgets the node only when its heartbeat expires. */
  kill(nodeId: string): Promise<void>;
  /** Which node owns the room now (from Redis), or undefined. */
  owner(roomId: string): Promise<string | undefined>;
  stop(): Promise<void>;
}

export interface ClusterOptions {
  env?: Record<string, string>;
  /** A directory of audio files (+ library.json sidecar) imported into the shared database first. */
  library?: string;
  label?: string;
}

export async function startCluster(nodeIds: string[], options: ClusterOptions = {}): Promise<TestCluster> {
  const prefix = testPrefix(options.label ?? 'cluster');
  const database = await createScratchDatabase();
  if (options.library) {
    const db = await openDatabase({
      databaseUrl: database.url,
      dataDir: fs.mkdtempSync(path.join(process.env.TMPDIR ?? '/tmp', 'moodify-cluster-db-')),
    });
    await db.migrate();
    await importDirectory(db.db, options.library, { origin: 'import' });
    await db.close();
  }
  const secret = crypto.randomBytes(32).toString('hex');
  const nodes = new Map<string, ClusterNodeProcess>();
  const portBase = 42000 + (process.pid % 20) * 300;
  const { Redis } = await import('ioredis');
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });

  const start = async (nodeId: string): Promise<ClusterNodeProcess> => {
    const index = nodeIds.indexOf(nodeId);
    const server = await startServer(
      {
        REDIS_URL,
        REDIS_KEY_PREFIX: prefix,
        NODE_ID: nodeId,
        DATABASE_URL: database.url,
        JWT_SECRET: secret,
        RTC_MIN_PORT: String(portBase + index * 100),
        RTC_MAX_PORT: String(portBase + index * 100 + 99),
        MEDIASOUP_WORKERS: '1',
        ALLOW_ANONYMOUS_ROOMS: 'true',
        MUSIC_BUNDLED_IMPORT: '0',
        LOG_LEVEL: 'info',
        ...options.env,
      },
      60_000,
    );
    const node = Object.assign(server, { nodeId });
    nodes.set(nodeId, node);
    // Announced: the heartbeat is in Redis (other nodes may place rooms on it).
    await waitFor(async () => (await redis.get(`${prefix}:node:${nodeId}`)) !== null, 15_000, `${nodeId} in the registry`);
    return node;
  };
  for (const id of nodeIds) await start(id);

  return {
    prefix,
    database,
    nodes,
    start,
    async kill(nodeId) {
      const node = nodes.get(nodeId);
      if (!node) return;
      node.child.kill('SIGKILL');
      await node.exited;
      nodes.delete(nodeId);
    },
    async owner(roomId) {
      const value = await redis.get(`${prefix}:room:${roomId}:owner`);
      return value ? value.slice(0, value.lastIndexOf('|')) : undefined;
    },
    async stop() {
      await Promise.all([...nodes.values()].map((n) => n.stop()));
      nodes.clear();
      redis.disconnect();
      await dropPrefix(prefix);
      await database.drop().catch(() => {});
    },
  };
}
