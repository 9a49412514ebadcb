/**
 * /readyz follows the real PostgreSQL: 503 while it cannot be reached, 200 again when it returns.
 * The server reaches PostgreSQL through a TCP proxy that the test stops and restarts.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { postgresBehindProxy } from './helpers/postgres.js';
import { startServer, waitFor } from './helpers/server-process.js';

test('/readyz goes 503 when PostgreSQL is unreachable and back to 200 when it returns', async (t) => {
  const postgres = await postgresBehindProxy(t);
  if (!postgres) return;
  const { proxy } = postgres;
  const server = await startServer({ DATABASE_URL: postgres.url });
  const status = async () => (await fetch(`${server.url}/readyz`)).status;
  try {
    assert.equal(await status(), 200);

    await proxy.stop();
    await waitFor(async () => (await status()) === 503 || undefined, 10000, '/readyz 503 during the outage');
    const body = (await (await fetch(`${server.url}/readyz`)).json()) as { database: { ok: boolean; error: string } };
    assert.equal(body.database.ok, false);
    assert.ok(body.database.error.length > 0);
    assert.equal((await fetch(`${server.url}/healthz`)).status, 200, 'the process itself stays alive');

    await proxy.start();
    await waitFor(async () => (await status()) === 200 || undefined, 15000, '/readyz 200 after PostgreSQL returns');
  } finally {
    await server.stop();
    await postgres.close();
  }
});
