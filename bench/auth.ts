/**
 * `node --import tsx bench/auth.ts`: costs of the account layer on the real app (embedded
 * PGlite, inject(), no network): argon2id hash and verify, log-in end to end, access-token
 * verification, authorizeRoomJoin (token + two indexed lookups), and an authorised room read.
 * Prints figures; last line one JSON object.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { hashPassword, verifyPassword } from '../server/accounts/passwords.js';
import { authorizeRoomJoin } from '../server/accounts/room-access.js';
import { verifyAccessToken } from '../server/accounts/tokens.js';
import { buildApp } from '../server/app.js';
import { loadConfig } from '../server/config.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 200);

async function time(label: string, n: number, fn: (i: number) => Promise<unknown>) {
  for (let i = 0; i < Math.min(5, n); i++) await fn(i); // warm-up
  const latencies: number[] = [];
  const started = performance.now();
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await fn(i);
    latencies.push(performance.now() - t0);
  }
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const q = (p: number) => Number(latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]!.toFixed(3));
  const figures = { n, per_s: Math.round(n / seconds), p50_ms: q(0.5), p95_ms: q(0.95) };
  console.log(`${label.padEnd(28)} n=${n}  ${figures.per_s}/s  p50 ${figures.p50_ms} ms  p95 ${figures.p95_ms} ms`);
  return figures;
}

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'moodify-bench-auth-'));
const app = await buildApp(
  loadConfig({ DATA_DIR: dataDir, MEDIASOUP_WORKERS: '1', LOG_LEVEL: 'silent', AUTH_RATE_LIMIT_MAX: '100000', RATE_LIMIT_MAX: '100000' }),
);
try {
  const hash = await hashPassword('correct horse battery');
  const argonHash = await time('argon2id hash', 20, () => hashPassword('correct horse battery'));
  const argonVerify = await time('argon2id verify', 20, () => verifyPassword(hash, 'correct horse battery'));
  const signup = await app.inject({
    method: 'POST',
    url: '/api/auth/signup',
    payload: { email: 'bench@example.org', password: 'correct horse battery', displayName: 'Bench' },
  });
  const session = signup.json() as { accessToken: string };
  const login = await time('POST /api/auth/login', 20, () =>
    app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: 'bench@example.org', password: 'correct horse battery' } }),
  );
  const verify = await time('verifyAccessToken', ROUNDS * 10, () => verifyAccessToken(app, session.accessToken));
  const room = (
    await app.inject({
      method: 'POST',
      url: '/api/rooms',
      headers: { authorization: `Bearer ${session.accessToken}` },
      payload: { name: 'Bench' },
    })
  ).json() as { id: string };
  const join = await time('authorizeRoomJoin', ROUNDS, () => authorizeRoomJoin(app, { token: session.accessToken, roomId: room.id }));
  const read = await time('GET /api/rooms/:roomId', ROUNDS, () =>
    app.inject({ url: `/api/rooms/${room.id}`, headers: { authorization: `Bearer ${session.accessToken}` } }),
  );
  console.log(
    JSON.stringify({
      argon2_hash: argonHash,
      argon2_verify: argonVerify,
      login,
      verify_access_token: verify,
      authorize_room_join: join,
      room_read: read,
    }),
  );
} finally {
  await app.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
}
