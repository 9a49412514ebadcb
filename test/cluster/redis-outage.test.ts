/**
 * Redis goes away under a clustered node (a TCP proxy in front of the machine's Redis is cut):
 * /readyz says so, a room already running keeps running, a new room gets a clear
 * `cluster-unavailable`, and everything works again when Redis returns.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, test } from 'node:test';

import { SignallingWs } from '../../bench/lib/ws-client.js';
import { createScratchDatabase, postgresReachable, type ScratchDatabase } from '../helpers/postgres.js';
import { dropPrefix, REDIS_URL, redisReachable, testPrefix } from '../helpers/redis.js';
import { type ServerProcess, startServer, waitFor } from '../helpers/server-process.js';
import { TcpProxy } from '../helpers/tcp-proxy.js';

const skip = !(await redisReachable()) ? 'needs Redis' : !(await postgresReachable()) ? 'needs PostgreSQL' : false;
const prefix = testPrefix('outage');
let server: ServerProcess | undefined;
let database: ScratchDatabase | undefined;
const proxy = new TcpProxy(new URL(REDIS_URL));
const sockets: SignallingWs[] = [];

after(async () => {
  for (const ws of sockets) await ws.close().catch(() => {});
  await server?.stop();
  await proxy.stop().catch(() => {});
  await database?.drop().catch(() => {});
  if (!skip) await dropPrefix(prefix);
});

test(
  'Redis down: readiness says so, running rooms keep running, new rooms fail clearly, all recovers',
  { skip, timeout: 180_000 },
  async () => {
    database = await createScratchDatabase();
    await proxy.start();
    server = await startServer(
      {
        REDIS_URL: `redis://127.0.0.1:${proxy.port}`,
        REDIS_KEY_PREFIX: prefix,
        NODE_ID: 'solo',
        DATABASE_URL: database.url,
        JWT_SECRET: crypto.randomBytes(32).toString('hex'),
        ALLOW_ANONYMOUS_ROOMS: 'true',
        ANALYSIS_ENABLED: 'false',
        MEDIASOUP_WORKERS: '1',
        MUSIC_BUNDLED_IMPORT: '0',
        CLUSTER_NODE_TTL_MS: '2000',
        CLUSTER_ROOM_LEASE_MS: '4000',
      },
      60_000,
    );
    const readyz = async () =>
      (await (await fetch(`${server!.url}/readyz`)).json()) as { cluster: { ok: boolean; redis: { ok: boolean; error?: string } } };
    await waitFor(async () => ((await readyz()).cluster.ok ? true : undefined), 15_000, 'the node announced');

    const running = await SignallingWs.connect(`${server.url.replace(/^http/, 'ws')}/ws`);
    sockets.push(running);
    await running.request('join', { roomId: 'running-room', displayName: 'Before' });

    await proxy.stop();
    const down = await waitFor(
      async () => {
        const r = await readyz();
        return r.cluster.redis.ok ? undefined : r;
      },
      15_000,
      'readyz to report Redis down',
    );
    assert.equal(down.cluster.ok, false);
    assert.ok(down.cluster.redis.error, 'with the reason');

    // Past several lease renewals: the running room is untouched.
    await new Promise((r) => setTimeout(r, 6000));
    const transport = await running.call('createWebRtcTransport', { direction: 'send' });
    assert.ok(transport.ok, `the running room still serves its participant: ${JSON.stringify(transport.error)}`);
    const second = await SignallingWs.connect(`${server.url.replace(/^http/, 'ws')}/ws`);
    sockets.push(second);
    assert.ok((await second.call('join', { roomId: 'running-room', displayName: 'Also' })).ok, 'a room running here takes more joins');

    const newcomer = await SignallingWs.connect(`${server.url.replace(/^http/, 'ws')}/ws`);
    sockets.push(newcomer);
    const refused = await newcomer.call('join', { roomId: 'new-room', displayName: 'New' });
    assert.equal(refused.ok, false);
    assert.equal(refused.error?.code, 'cluster-unavailable');
    assert.match(refused.error!.message, /Redis is unreachable/);

    await proxy.start();
    await waitFor(async () => ((await readyz()).cluster.ok ? true : undefined), 20_000, 'readyz to report Redis back');
    const joined = await waitFor(
      async () => {
        const reply = await newcomer.call('join', { roomId: 'new-room', displayName: 'New' });
        return reply.ok ? reply : undefined;
      },
      20_000,
      'a new room placed again',
    );
    assert.ok(joined.ok);
  },
);
