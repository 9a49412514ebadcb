import assert from 'node:assert/strict';
import { test } from 'node:test';

import { BoundedQueue } from './bounded-queue.js';

test('capacity 1 is a latest-value slot: the reader gets the newest, the rest count as dropped', async () => {
  const q = new BoundedQueue<number>(1);
  q.push(1);
  q.push(2);
  q.push(3);
  assert.equal(q.dropped, 2);
  assert.deepEqual(await q.next(), { value: 3, done: false });
  const waiting = q.next();
  q.push(4); // straight to the waiting reader: nothing queued, nothing dropped
  assert.deepEqual(await waiting, { value: 4, done: false });
  assert.equal(q.dropped, 2);
  assert.equal(q.length, 0);
});

test('a larger capacity keeps order and drops the oldest past it', async () => {
  const q = new BoundedQueue<number>(3);
  for (let i = 1; i <= 5; i++) q.push(i);
  assert.equal(q.dropped, 2);
  assert.equal(q.length, 3);
  const got: number[] = [];
  q.end();
  for await (const v of q) got.push(v);
  assert.deepEqual(got, [3, 4, 5], 'end() lets the reader drain what is queued');
});

test('close() drops what is queued, ends a waiting reader and ignores later pushes', async () => {
  const q = new BoundedQueue<string>(4);
  q.push('a');
  q.close();
  assert.equal(q.isClosed, true);
  assert.deepEqual(await q.next(), { value: undefined, done: true });
  q.push('b');
  assert.equal(q.length, 0);
  const r = new BoundedQueue<string>(4);
  const waiting = r.next();
  r.close();
  assert.deepEqual(await waiting, { value: undefined, done: true });
});

test('one reader at a time; capacity 0 hands values only to a waiting reader', async () => {
  const q = new BoundedQueue<number>(2);
  const first = q.next();
  await assert.rejects(q.next(), /one reader at a time/);
  q.push(1);
  assert.deepEqual(await first, { value: 1, done: false });
  const none = new BoundedQueue<number>(0);
  none.push(1);
  assert.equal(none.dropped, 1);
  const waiting = none.next();
  none.push(2);
  assert.deepEqual(await waiting, { value: 2, done: false });
  assert.throws(() => new BoundedQueue<number>(-1), /0 or more/);
});
