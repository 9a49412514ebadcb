import assert from 'node:assert/strict';
import { test } from 'node:test';

import { BatchScheduler, defaultMaxBatch } from './batcher.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('batches requests of several participants into one run, within the wait bound', async () => {
  const runs: string[][] = [];
  const q = new BatchScheduler<string, string>({
    run: async (xs) => (runs.push(xs), xs.map((x) => x.toUpperCase())),
    maxBatch: 8,
    maxWaitMs: 5,
  });
  const t0 = performance.now();
  const out = await Promise.all(['a', 'b', 'c'].map((k) => q.submit(k, k)));
  assert.ok(performance.now() - t0 < 100);
  assert.deepEqual(out, [
    { status: 'done', value: 'A' },
    { status: 'done', value: 'B' },
    { status: 'done', value: 'C' },
  ]);
  assert.deepEqual(runs, [['a', 'b', 'c']]);
});

test('maxWaitMs is capped at 5 ms and maxBatch bounds a run', async () => {
  const sizes: number[] = [];
  const q = new BatchScheduler<number, number>({ run: async (xs) => (sizes.push(xs.length), xs), maxBatch: 4, maxWaitMs: 50 });
  assert.equal(q.maxWaitMs, 5);
  await Promise.all(Array.from({ length: 10 }, (_, i) => q.submit(`p${i}`, i)));
  assert.ok(
    sizes.every((s) => s <= 4),
    String(sizes),
  );
  assert.equal(
    sizes.reduce((a, b) => a + b, 0),
    10,
  );
});

test('latest request wins per participant: the waiting one resolves as superseded, never queues', async () => {
  const seen: number[] = [];
  const q = new BatchScheduler<number, number>({ run: async (xs) => (seen.push(...xs), xs), maxBatch: 8, maxWaitMs: 5 });
  const first = q.submit('alice', 1);
  const second = q.submit('alice', 2);
  const third = q.submit('alice', 3);
  assert.equal(q.pending, 1);
  assert.deepEqual(await first, { status: 'superseded' });
  assert.deepEqual(await second, { status: 'superseded' });
  assert.deepEqual(await third, { status: 'done', value: 3 });
  assert.deepEqual(seen, [3]);
  assert.equal(q.stats.superseded, 2);
});

test('per-participant order is kept and the queue never holds more than one request per participant', async () => {
  const order = new Map<string, number[]>();
  let inFlight = 0;
  const q = new BatchScheduler<{ k: string; n: number }, number>({
    run: async (xs) => {
      inFlight++;
      assert.equal(inFlight, 1, 'one run at a time');
      await sleep(3);
      inFlight--;
      return xs.map((x) => x.n);
    },
    maxBatch: 4,
    maxWaitMs: 1,
  });
  const participants = ['a', 'b', 'c', 'd', 'e', 'f'];
  const done: Promise<void>[] = [];
  let maxPending = 0;
  for (let n = 0; n < 200; n++) {
    const k = participants[n % participants.length]!;
    done.push(
      q.submit(k, { k, n }).then((o) => {
        if (o.status === 'done') {
          const list = order.get(k) ?? [];
          list.push(o.value);
          order.set(k, list);
        }
      }),
    );
    maxPending = Math.max(maxPending, q.pending);
    if (n % 7 === 0) await sleep(1);
  }
  await Promise.all(done);
  assert.ok(maxPending <= participants.length, `queue grew to ${maxPending}`);
  assert.ok(q.stats.maxQueue <= participants.length);
  for (const [k, list] of order) {
    assert.ok(list.length > 0, k);
    assert.deepEqual(
      list,
      [...list].sort((x, y) => x - y),
      `participant ${k} out of order: ${list}`,
    );
  }
  // the last request of every participant always runs
  for (const k of participants)
    assert.ok(order.get(k)!.includes(Math.max(...Array.from({ length: 200 }, (_, n) => n).filter((n) => participants[n % 6] === k))));
});

test('a failing run rejects its requests and the scheduler carries on', async () => {
  let fail = true;
  const q = new BatchScheduler<number, number>({
    run: async (xs) => {
      if (fail) {
        fail = false;
        throw new Error('boom');
      }
      return xs;
    },
    maxWaitMs: 0,
  });
  await assert.rejects(q.submit('a', 1), /boom/);
  assert.deepEqual(await q.submit('a', 2), { status: 'done', value: 2 });
});

test('a run returning the wrong number of outputs rejects clearly', async () => {
  const q = new BatchScheduler<number, number>({ run: async () => [], maxWaitMs: 0 });
  await assert.rejects(q.submit('a', 1), /0 outputs for 1 inputs/);
});

test('maxPending bounds the queue across many participants; close() resolves waiting requests', async () => {
  const q = new BatchScheduler<number, number>({ run: async (xs) => (await sleep(20), xs), maxBatch: 1, maxWaitMs: 0, maxPending: 3 });
  const first = q.submit('p0', 0); // starts running at once
  const waiting = [1, 2, 3].map((i) => q.submit(`p${i}`, i));
  const overflow = await q.submit('p4', 4);
  assert.deepEqual(overflow, { status: 'superseded' });
  assert.equal(q.pending, 3);
  q.close();
  for (const w of waiting) assert.deepEqual(await w, { status: 'superseded' });
  assert.deepEqual(await first, { status: 'done', value: 0 });
  await assert.rejects(q.submit('p5', 5), /closed/);
});

test('default batch size: large on a GPU, small on the CPU (where runs block the event loop)', () => {
  assert.equal(defaultMaxBatch('cuda'), 16);
  assert.equal(defaultMaxBatch('cpu'), 4);
});
