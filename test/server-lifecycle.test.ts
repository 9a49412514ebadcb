/**
 * The real server process: health, readiness with one mediasoup worker per core, metrics,
 * replacement of a killed worker, and a clean SIGTERM shutdown with no child left behind.
 */
import assert from 'node:assert/strict';
import os from 'node:os';
import { after, before, test } from 'node:test';

import { childPids, isRunning, type ServerProcess, startServer, waitFor } from './helpers/server-process.js';

interface Readiness {
  status: string;
  database: { kind: string; ok: boolean };
  workers: { expected: number; alive: number; list: { slot: number; pid: number; alive: boolean }[] };
}

let server: ServerProcess;
before(async () => {
  server = await startServer();
});
after(async () => {
  await server?.stop();
});

const readiness = async () => {
  const response = await fetch(`${server.url}/readyz`);
  return { code: response.status, body: (await response.json()) as Readiness };
};

test('/healthz answers while the process lives', async () => {
  const response = await fetch(`${server.url}/healthz`);
  assert.equal(response.status, 200);
  assert.deepEqual(await response.json(), { status: 'ok' });
});

test('/readyz: embedded database and one live mediasoup worker per CPU core', async () => {
  const { code, body } = await readiness();
  assert.equal(code, 200);
  assert.equal(body.database.kind, 'pglite');
  assert.equal(body.workers.expected, os.availableParallelism());
  assert.equal(body.workers.alive, os.availableParallelism());
  const workerPids = body.workers.list.map((w) => w.pid);
  assert.deepEqual(childPids(server.child.pid!).sort(), workerPids.sort(), 'the workers are the server’s children');
});

test('/metrics exposes default metrics with event-loop lag and the worker gauge', async () => {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  assert.match(text, /moodify_nodejs_eventloop_lag_seconds /);
  assert.match(text, new RegExp(`moodify_mediasoup_workers_alive ${os.availableParallelism()}`));
});

test('security headers are set and the client shell is served', async () => {
  const response = await fetch(`${server.url}/`);
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-security-policy') ?? '', /default-src 'self'/);
  assert.match(await response.text(), /<moodify-app>/);
});

test('a killed mediasoup worker is replaced and /readyz recovers', async () => {
  const before = (await readiness()).body.workers.list;
  const victim = before[0]!.pid;
  process.kill(victim, 'SIGKILL');
  await waitFor(async () => (await readiness()).code === 503 || undefined, 5000, '/readyz to notice the dead worker').catch(
    () => undefined, // the replacement may already be up before we look
  );
  const recovered = await waitFor(
    async () => {
      const { code, body } = await readiness();
      return code === 200 && !body.workers.list.some((w) => w.pid === victim) ? body : undefined;
    },
    10000,
    'a replacement worker',
  );
  assert.equal(recovered.workers.alive, os.availableParallelism());
  const metrics = await (await fetch(`${server.url}/metrics`)).text();
  assert.match(metrics, /moodify_mediasoup_worker_restarts_total 1/);
  assert.ok(server.logs.some((l) => l.msg === 'mediasoup worker died; replacing it'));
});

test('SIGTERM exits cleanly within 5 s and leaves no child process', async () => {
  const children = childPids(server.child.pid!);
  assert.ok(children.length >= os.availableParallelism());
  const started = Date.now();
  server.child.kill('SIGTERM');
  const { code } = await server.exited;
  const elapsed = Date.now() - started;
  assert.equal(code, 0);
  assert.ok(elapsed < 5000, `shutdown took ${elapsed} ms`);
  for (const pid of children) assert.equal(isRunning(pid), false, `child ${pid} survived`);
});
