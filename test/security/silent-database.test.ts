/**
 * Finding 4 (and the acceptance test for it): PostgreSQL behind a proxy that stops forwarding
 * without closing anything, as a partitioned network does. Every request must fail within the
 * stated bound (5 s: DB_QUERY_TIMEOUT_MS 4 s plus slack) with 503, the server keeps answering,
 * and once the proxy forwards again requests succeed and nothing acknowledged is lost.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { call, signUp, startTestApp } from '../accounts/test-app.js';
import { postgresBehindProxy } from '../helpers/postgres.js';
import { waitFor } from '../helpers/server-process.js';

const BOUND_MS = 5000;

test('a silent PostgreSQL connection fails every request within 5 s, and the server recovers when it speaks again', async (t) => {
  const postgres = await postgresBehindProxy(t);
  if (!postgres) return;
  const { proxy } = postgres;
  const server = await startTestApp({ DATABASE_URL: postgres.url });
  const { app } = server;
  try {
    const owner = await signUp(app, 'Owner');
    const before = await call(app, 'POST', '/api/rooms', owner.accessToken, { name: 'before the outage' });
    assert.equal(before.statusCode, 201);

    proxy.silence();
    // First alone, on the pool's idle connection (the query deadline), then many at once (new connections: the connect timeout).
    const alone = performance.now();
    const first = await call(app, 'GET', '/api/rooms', owner.accessToken);
    const aloneMs = Math.round(performance.now() - alone);
    t.diagnostic(`one request on the silent idle connection: ${first.statusCode} in ${aloneMs} ms`);
    assert.equal(first.statusCode, 503);
    assert.ok(aloneMs <= BOUND_MS, `failed within ${BOUND_MS} ms (took ${aloneMs} ms)`);
    const requests: [string, () => Promise<{ statusCode: number; body: string }>][] = [
      ['GET /api/me', () => call(app, 'GET', '/api/me', owner.accessToken)],
      ['GET /api/rooms', () => call(app, 'GET', '/api/rooms', owner.accessToken)],
      ['POST /api/rooms', () => call(app, 'POST', '/api/rooms', owner.accessToken, { name: 'during the outage' })],
      ['PUT /api/me/settings', () => call(app, 'PUT', '/api/me/settings', owner.accessToken, { strategy: 'calm' })],
      ['GET /api/me/history', () => call(app, 'GET', '/api/me/history', owner.accessToken)],
      [
        'POST /api/auth/login',
        () => call(app, 'POST', '/api/auth/login', undefined, { email: owner.user.email, password: 'correct horse battery' }),
      ],
      ['POST /api/auth/refresh', () => call(app, 'POST', '/api/auth/refresh', undefined, { refreshToken: owner.refreshToken })],
      ['GET /readyz', () => call(app, 'GET', '/readyz')],
    ];
    const outcomes = await Promise.all(
      requests.map(async ([name, send]) => {
        const start = performance.now();
        const response = await send();
        return { name, status: response.statusCode, body: response.body, ms: Math.round(performance.now() - start) };
      }),
    );
    t.diagnostic(`during the silence: ${outcomes.map((o) => `${o.name} ${o.status} in ${o.ms} ms`).join('; ')}`);
    for (const o of outcomes) {
      assert.equal(o.status, 503, `${o.name} answers 503 while the database is silent (got ${o.status} ${o.body})`);
      assert.ok(o.ms <= BOUND_MS, `${o.name} failed within ${BOUND_MS} ms (took ${o.ms} ms)`);
      assert.doesNotMatch(o.body, /select |insert into|update "|params:|ECONN|127\.0\.0\.1:/i, `${o.name}: no driver detail in the reply`);
    }
    assert.equal((await call(app, 'GET', '/healthz')).statusCode, 200, 'the process keeps serving');

    proxy.resume();
    await waitFor(
      async () => ((await call(app, 'GET', '/api/me', owner.accessToken)).statusCode === 200 ? true : undefined),
      20000,
      'requests to succeed again',
    );
    const after = await call(app, 'POST', '/api/rooms', owner.accessToken, { name: 'after the outage' });
    assert.equal(after.statusCode, 201);
    const names = (await call(app, 'GET', '/api/rooms', owner.accessToken)).json().map((r: { name: string }) => r.name);
    assert.ok(
      names.includes('before the outage') && names.includes('after the outage'),
      `every acknowledged room is there: ${names.join(', ')}`,
    );
  } finally {
    proxy.resume();
    await server.close();
    await postgres.close();
  }
});
