/**
 * Room ownership, fencing and job locks against the machine's real Redis (a key prefix per run):
 * exactly one of two racing claims wins, every time; a stalled ex-owner is fenced off; a dead
 * owner's room is taken over; a lock runs a job on one node.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';

import { Redis } from 'ioredis';

import { JobLocks } from '../../server/cluster/job-lock.js';
import { ClusterKeys } from '../../server/cluster/keys.js';
import { NodeRegistry } from '../../server/cluster/node-registry.js';
import { type RoomOwner, RoomOwnership } from '../../server/cluster/ownership.js';
import { leastLoaded, RoomPlacement } from '../../server/cluster/placement.js';
import { dropPrefix, REDIS_URL, redisReachable, testPrefix } from '../helpers/redis.js';

const skip = (await redisReachable()) ? false : `needs Redis at ${REDIS_URL}`;
const prefix = testPrefix('own');
const sharedKeys = new ClusterKeys(prefix);
const keys = sharedKeys;
const connections: Redis[] = [];
const closers: (() => Promise<void>)[] = [];

function connect(): Redis {
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  connections.push(redis);
  return redis;
}

interface TestNode {
  id: string;
  registry: NodeRegistry;
  ownership: RoomOwnership;
  lost: { roomId: string; newOwner: RoomOwner | undefined }[];
}

async function node(id: string, { ttlMs = 2000, leaseMs = 3000, participants = 0, keys = sharedKeys } = {}): Promise<TestNode> {
  const redis = connect();
  const lost: TestNode['lost'] = [];
  const registry = new NodeRegistry({
    redis,
    keys,
    ttlMs,
    self: { id, url: `http://${id}.invalid`, rtc: { announcedIp: null, minPort: 1, maxPort: 2 }, startedAt: Date.now() },
    load: () => ({ participants, rooms: 0, listeners: 0, analysisHeadroom: 20 - participants }),
  });
  await registry.start();
  const ownership = new RoomOwnership({ redis, keys, nodeId: id, leaseMs, onLost: (roomId, newOwner) => lost.push({ roomId, newOwner }) });
  closers.push(async () => {
    await ownership.close();
    await registry.stop();
  });
  return { id, registry, ownership, lost };
}

after(async () => {
  for (const close of closers) await close().catch(() => {});
  for (const c of connections) c.disconnect();
  if (!skip) await dropPrefix(prefix);
});

test('two nodes racing to claim one room: exactly one wins, every time (500 rooms)', { skip, timeout: 60000 }, async () => {
  const a = await node('race-a');
  const b = await node('race-b');
  let winsA = 0;
  for (let i = 0; i < 500; i++) {
    const roomId = `race-${i}`;
    // Who sends first alternates (one connection's command would otherwise always arrive first).
    const [ra, rb] =
      i % 2 === 0
        ? await Promise.all([a.ownership.claim(roomId), b.ownership.claim(roomId)])
        : await Promise.all([b.ownership.claim(roomId), a.ownership.claim(roomId)]).then(([y, x]) => [x, y] as const);
    assert.equal(Number(ra.claimed) + Number(rb.claimed), 1, `room ${roomId}: exactly one claim wins (${JSON.stringify([ra, rb])})`);
    assert.deepEqual(ra.owner, rb.owner, 'both see the same owner and token');
    assert.equal(a.ownership.holds(roomId), ra.claimed);
    assert.equal(b.ownership.holds(roomId), rb.claimed);
    if (ra.claimed) winsA++;
  }
  // Not a fairness test; both winning sometimes shows the race is real.
  assert.ok(winsA > 0 && winsA < 500, `both nodes won some races (a won ${winsA} of 500)`);
});

test('ten claimants at once (three processes worth of connections): one owner per room', { skip, timeout: 60000 }, async () => {
  const nodes = await Promise.all(Array.from({ length: 10 }, (_, i) => node(`many-${i}`)));
  for (let i = 0; i < 100; i++) {
    const results = await Promise.all(nodes.map((n) => n.ownership.claim(`many-room-${i}`)));
    assert.equal(results.filter((r) => r.claimed).length, 1);
    assert.equal(new Set(results.map((r) => `${r.owner.nodeId}|${r.owner.token}`)).size, 1);
  }
});

test(
  'a stalled owner is fenced off: a higher token takes the room, the old one cannot publish and steps down',
  { skip, timeout: 30000 },
  async () => {
    const a = await node('fence-a', { ttlMs: 600, leaseMs: 1500 });
    const b = await node('fence-b', { ttlMs: 600, leaseMs: 1500 });
    const first = await a.ownership.claim('fenced');
    assert.ok(first.claimed);
    assert.ok(await a.ownership.fencedPublish('fenced', keys.liveChannel('fenced'), 'hello'));
    // a "stalls": its heartbeat stops (kill -STOP would do the same); within the TTL it drops out.
    await a.registry.stop();
    const second = await b.ownership.claim('fenced');
    assert.ok(second.claimed, 'the room of a node without a heartbeat is taken over at once');
    assert.ok(second.owner.token > first.owner.token, 'the new claim has a higher fencing token');
    // a wakes up and still believes it owns the room: every fenced write is refused.
    assert.ok(a.ownership.holds('fenced'));
    assert.equal(await a.ownership.fencedPublish('fenced', keys.liveChannel('fenced'), 'stale'), false);
    await a.ownership.renewAll();
    assert.equal(a.ownership.holds('fenced'), false, 'the renewal tells it that it lost the room');
    assert.deepEqual(a.lost, [{ roomId: 'fenced', newOwner: second.owner }]);
    assert.ok(await b.ownership.fencedPublish('fenced', keys.liveChannel('fenced'), 'fresh'));
  },
);

test('a live owner keeps its room; its lease is renewed; a release frees it for the next claim', { skip, timeout: 30000 }, async () => {
  const a = await node('keep-a', { ttlMs: 1000, leaseMs: 1200 });
  const b = await node('keep-b', { ttlMs: 1000, leaseMs: 1200 });
  assert.ok((await a.ownership.claim('kept')).claimed);
  await new Promise((r) => setTimeout(r, 3000)); // 2.5 leases: only renewals keep it
  const again = await b.ownership.claim('kept');
  assert.equal(again.claimed, false);
  assert.equal(again.owner.nodeId, 'keep-a');
  await a.ownership.release('kept');
  const after = await b.ownership.claim('kept');
  assert.ok(after.claimed);
  assert.ok(after.owner.token > again.owner.token);
});

test(
  'an owner whose key vanished (Redis restarted empty) re-asserts it, unless a newer token exists',
  { skip, timeout: 30000 },
  async () => {
    const a = await node('reassert-a');
    const redis = connect();
    const { owner } = await a.ownership.claim('vanished');
    await redis.del(keys.roomOwner('vanished'), keys.roomFence('vanished'));
    await a.ownership.renewAll();
    assert.ok(a.ownership.holds('vanished'));
    assert.equal(await redis.get(keys.roomOwner('vanished')), `reassert-a|${owner.token}`);
    assert.equal(Number(await redis.get(keys.roomFence('vanished'))), owner.token, 'the fence counter never goes back below a live token');
  },
);

test('placement: the least-loaded live node gets a new room; the asking node wins a tie', { skip, timeout: 30000 }, async () => {
  // A prefix of its own: the nodes of the other tests must not take part.
  const placeKeys = new ClusterKeys(`${prefix}:place`);
  const busy = await node('place-busy', { participants: 12, keys: placeKeys });
  const idle = await node('place-idle', { participants: 2, keys: placeKeys });
  const placement = new RoomPlacement(busy.ownership, busy.registry);
  const placed = await placement.place('placed-room');
  assert.equal(placed.local, false);
  assert.equal(placed.owner.nodeId, 'place-idle');
  // The idle node adopts the claim made for it when the client arrives there.
  const there = await new RoomPlacement(idle.ownership, idle.registry).place('placed-room');
  assert.equal(there.local, true);
  assert.ok(idle.ownership.holds('placed-room'));
  const nodes = [busy.registry.info(), idle.registry.info()].map((n) => ({ ...n, load: { ...n.load, analysisHeadroom: 5, rooms: 1 } }));
  assert.equal(leastLoaded(nodes, 'place-busy')?.id, 'place-busy');
  assert.equal(leastLoaded(nodes, 'place-idle')?.id, 'place-idle');
});

test('a node that stops beating drops out of the registry within its TTL', { skip, timeout: 30000 }, async () => {
  const a = await node('beat-a', { ttlMs: 800 });
  const b = await node('beat-b', { ttlMs: 800 });
  assert.ok((await b.registry.list()).some((n) => n.id === 'beat-a'));
  // Like kill -9: the timer stops, nothing is deleted.
  clearInterval((a.registry as unknown as { timer: NodeJS.Timeout }).timer);
  const stoppedAt = Date.now();
  while ((await b.registry.list()).some((n) => n.id === 'beat-a')) await new Promise((r) => setTimeout(r, 50));
  const gone = Date.now() - stoppedAt;
  assert.ok(gone <= 800 + 2000, `gone after ${gone} ms (TTL 800 ms; slack for a loaded machine)`);
});

test('job locks: once() gives a period to one node; exclusive() runs on one node at a time', { skip, timeout: 30000 }, async () => {
  const [ra, rb] = [connect(), connect()];
  const la = new JobLocks(ra, keys, 'lock-a');
  const lb = new JobLocks(rb, keys, 'lock-b');
  const turns = await Promise.all([la.once('retention', 1000), lb.once('retention', 1000)]);
  assert.equal(turns.filter(Boolean).length, 1);
  assert.equal(await la.once('retention', 1000), false, 'the period is taken');
  await new Promise((r) => setTimeout(r, 1100));
  assert.ok(await lb.once('retention', 1000), 'the next period is free');

  let running = 0;
  let maxRunning = 0;
  const job = async () => {
    running++;
    maxRunning = Math.max(maxRunning, running);
    await new Promise((r) => setTimeout(r, 1500)); // longer than the ttl: the lock is renewed
    running--;
    return 'done';
  };
  const results = await Promise.all([la.exclusive('import', job, 600), lb.exclusive('import', job, 600)]);
  assert.equal(maxRunning, 1);
  assert.equal(results.filter((r) => r.ran).length, 1);
  const after = await la.exclusive('import', async () => 'again', 600);
  assert.ok(after.ran, 'released when the job ended');
});
