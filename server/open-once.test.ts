import assert from 'node:assert/strict';
import { test } from 'node:test';

import { OpenOnce } from './open-once.js';

test('callers racing for one key share one attempt; other keys open on their own', async () => {
  const once = new OpenOnce<string>();
  let opened = 0;
  const open = (v: string) => async () => {
    opened++;
    await new Promise((r) => setTimeout(r, 5));
    return v;
  };
  const a1 = once.open('a', open('first'));
  const a2 = once.open('a', open('second'));
  const b = once.open('b', open('b'));
  assert.equal(a1, a2);
  assert.equal(once.size, 2);
  assert.deepEqual(await Promise.all([a1, a2, b]), ['first', 'first', 'b']);
  assert.equal(opened, 2);
  assert.equal(once.size, 0, 'a settled attempt is forgotten');
});

test('a failed attempt is forgotten, so the next caller tries again', async () => {
  const once = new OpenOnce<number>();
  await assert.rejects(
    once.open('k', () => Promise.reject(new Error('no worker'))),
    /no worker/,
  );
  assert.deepEqual(once.inFlight(), []);
  assert.equal(await once.open('k', async () => 2), 2);
});

test('open() runs before the attempt is registered (a capacity check inside it does not count itself)', async () => {
  const once = new OpenOnce<number>();
  let seen = -1;
  await once.open('k', async () => {
    seen = once.size;
    return 1;
  });
  assert.equal(seen, 0);
});
