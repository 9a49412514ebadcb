/**
 * Sign-up, log-in, refresh-token rotation and reuse detection, log-out, token checks, the JWT
 * secret kept across restarts, and the auth rate limit (429) — on the real app with PGlite.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';

import { eq } from 'drizzle-orm';

import { resolveJwtSecret } from '../../server/accounts/jwt-secret.js';
import { verifyAccessToken } from '../../server/accounts/tokens.js';
import { refreshTokens, users } from '../../sql/schema.js';
import { badTokens, storedJwtSecret } from './fixtures.js';
import { call, type Session, startTestApp } from './test-app.js';

const PASSWORD = 'correct horse battery';

test('JWT secret: configured wins; otherwise generated once, kept with mode 0600, reused', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'moodify-secret-'));
  try {
    assert.equal(resolveJwtSecret({ configured: 'x'.repeat(40), dataDir: dir }), 'x'.repeat(40));
    assert.equal(fs.existsSync(path.join(dir, 'jwt-secret')), false);
    const first = resolveJwtSecret({ dataDir: dir });
    assert.ok(first.length >= 32);
    assert.equal(fs.statSync(path.join(dir, 'jwt-secret')).mode & 0o777, 0o600);
    assert.equal(resolveJwtSecret({ dataDir: dir }), first);
    const other = fs.mkdtempSync(path.join(os.tmpdir(), 'moodify-secret-'));
    assert.notEqual(resolveJwtSecret({ dataDir: other }), first, 'each installation gets its own secret');
    fs.rmSync(other, { recursive: true, force: true });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('accounts: sign-up, log-in, refresh rotation, reuse detection, log-out, restart, rate limit', async (t) => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'moodify-auth-'));
  // No reuse grace: the replay below comes milliseconds after the rotation and must count as theft.
  let first = await startTestApp({ REFRESH_REUSE_GRACE_S: '0' }, dataDir);
  let ada: Session;
  try {
    const { app } = first;
    const db = app.services.database.db;

    await t.test('sign-up stores an argon2id hash, never the password', async () => {
      const response = await call(app, 'POST', '/api/auth/signup', undefined, {
        email: 'Ada@Example.org',
        password: PASSWORD,
        displayName: 'Ada',
      });
      assert.equal(response.statusCode, 201, response.body);
      ada = response.json() as Session;
      assert.equal(ada.user.guest, false);
      const [row] = await db.select().from(users).where(eq(users.id, ada.user.id));
      assert.match(row!.passwordHash!, /^\$argon2id\$/);
      assert.ok(!row!.passwordHash!.includes(PASSWORD));
      // Refresh tokens are stored hashed too.
      const stored = await db.select().from(refreshTokens).where(eq(refreshTokens.userId, ada.user.id));
      assert.equal(stored.length, 1);
      assert.notEqual(stored[0]!.tokenHash, ada.refreshToken);
      assert.ok(!JSON.stringify(stored).includes(ada.refreshToken));
    });

    await t.test('sign-up rejects duplicates (any case) and bad input with clear errors', async () => {
      const dup = await call(app, 'POST', '/api/auth/signup', undefined, {
        email: 'ada@EXAMPLE.org',
        password: PASSWORD,
        displayName: 'Ada 2',
      });
      assert.equal(dup.statusCode, 409);
      for (const body of [
        { email: 'not-an-email', password: PASSWORD, displayName: 'X' },
        { email: 'x@example.org', password: 'short', displayName: 'X' },
        { email: 'x@example.org', password: PASSWORD, displayName: '   ' },
        { email: 'x@example.org', password: PASSWORD },
      ]) {
        const response = await call(app, 'POST', '/api/auth/signup', undefined, body);
        assert.equal(response.statusCode, 400, JSON.stringify(body));
        assert.match(response.json().message, /body/);
      }
    });

    await t.test('log-in: right password 200; wrong password and unknown e-mail get the same 401', async () => {
      const ok = await call(app, 'POST', '/api/auth/login', undefined, { email: 'ADA@example.org', password: PASSWORD });
      assert.equal(ok.statusCode, 200);
      assert.equal((await verifyAccessToken(app, ok.json().accessToken)).userId, ada.user.id);
      const wrong = await call(app, 'POST', '/api/auth/login', undefined, { email: 'ada@example.org', password: 'wrong password!' });
      const unknown = await call(app, 'POST', '/api/auth/login', undefined, { email: 'nobody@example.org', password: PASSWORD });
      assert.equal(wrong.statusCode, 401);
      assert.equal(unknown.statusCode, 401);
      assert.equal(wrong.json().message, unknown.json().message);
    });

    await t.test('refresh rotates; replaying a spent token revokes the whole log-in', async () => {
      const r1 = await call(app, 'POST', '/api/auth/refresh', undefined, { refreshToken: ada.refreshToken });
      assert.equal(r1.statusCode, 200, r1.body);
      const next = r1.json() as Session;
      assert.notEqual(next.refreshToken, ada.refreshToken);
      assert.equal((await verifyAccessToken(app, next.accessToken)).userId, ada.user.id);
      const replay = await call(app, 'POST', '/api/auth/refresh', undefined, { refreshToken: ada.refreshToken });
      assert.equal(replay.statusCode, 401);
      const afterTheft = await call(app, 'POST', '/api/auth/refresh', undefined, { refreshToken: next.refreshToken });
      assert.equal(afterTheft.statusCode, 401, 'the newest token of the family is revoked too');
      assert.equal((await call(app, 'POST', '/api/auth/refresh', undefined, { refreshToken: 'garbage' })).statusCode, 401);
    });

    await t.test('log-out revokes the refresh token', async () => {
      const login = (
        await call(app, 'POST', '/api/auth/login', undefined, { email: 'ada@example.org', password: PASSWORD })
      ).json() as Session;
      assert.equal((await call(app, 'POST', '/api/auth/logout', undefined, { refreshToken: login.refreshToken })).statusCode, 204);
      assert.equal((await call(app, 'POST', '/api/auth/refresh', undefined, { refreshToken: login.refreshToken })).statusCode, 401);
      ada = (await call(app, 'POST', '/api/auth/login', undefined, { email: 'ada@example.org', password: PASSWORD })).json() as Session;
    });

    await t.test('verifyAccessToken throws 401 for missing, tampered, expired and foreign tokens', async () => {
      await assert.rejects(verifyAccessToken(app, undefined), { statusCode: 401 });
      const bad = badTokens({ id: ada.user.id, token: ada.accessToken }, storedJwtSecret(dataDir), '00000000-0000-4000-8000-000000000000');
      for (const [what, token] of Object.entries(bad)) {
        await assert.rejects(verifyAccessToken(app, token), (err: { statusCode?: number }) => err.statusCode === 401, what);
      }
      await assert.rejects(verifyAccessToken(app, bad.expired), /expired/);
    });

    await t.test("a deleted account's unexpired token stops working at once", async () => {
      const bob = (
        await call(app, 'POST', '/api/auth/signup', undefined, { email: 'bob@example.org', password: PASSWORD, displayName: 'Bob' })
      ).json() as Session;
      assert.equal((await call(app, 'DELETE', '/api/me', bob.accessToken)).statusCode, 200);
      assert.equal((await call(app, 'GET', '/api/me', bob.accessToken)).statusCode, 401);
      assert.equal((await call(app, 'POST', '/api/auth/refresh', undefined, { refreshToken: bob.refreshToken })).statusCode, 401);
    });
  } finally {
    await first.close();
  }

  // Same DATA_DIR, no JWT_SECRET: the generated secret is reused, so issued tokens stay valid.
  first = await startTestApp({ AUTH_RATE_LIMIT_MAX: '3', RATE_LIMIT_MAX: '50' }, dataDir);
  try {
    const { app } = first;
    await t.test('tokens survive a restart', async () => {
      const me = await call(app, 'GET', '/api/me', ada.accessToken);
      assert.equal(me.statusCode, 200, me.body);
      assert.equal(me.json().id, ada.user.id);
    });

    await t.test('auth routes answer 429 past AUTH_RATE_LIMIT_MAX per client address', async () => {
      const login = (remoteAddress: string, password = 'wrong password!') =>
        app.inject({ method: 'POST', url: '/api/auth/login', remoteAddress, payload: { email: 'ada@example.org', password } });
      const statuses = [];
      for (let i = 0; i < 4; i++) statuses.push((await login('10.0.0.1')).statusCode);
      assert.deepEqual(statuses, [401, 401, 401, 429]);
      const limited = await login('10.0.0.1', PASSWORD);
      assert.equal(limited.statusCode, 429, 'even the right password waits');
      assert.ok(Number(limited.headers['retry-after']) > 0);
      assert.equal((await login('10.0.0.2', PASSWORD)).statusCode, 200, 'another address is not affected');
      // Sign-up, refresh and invite acceptance share the limit (each route counts on its own).
      for (const url of ['/api/auth/signup', '/api/auth/refresh', '/api/invites/accept']) {
        const codes = [];
        for (let i = 0; i < 4; i++)
          codes.push((await app.inject({ method: 'POST', url, remoteAddress: '10.0.0.3', payload: {} })).statusCode);
        assert.equal(codes[3], 429, `${url}: ${codes.join(',')}`);
      }
      // Other routes only count against the global limit.
      for (let i = 0; i < 5; i++) {
        assert.equal(
          (await app.inject({ url: '/api/me', remoteAddress: '10.0.0.1', headers: { authorization: `Bearer ${ada.accessToken}` } }))
            .statusCode,
          200,
        );
      }
    });
  } finally {
    await first.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }

  // A configured JWT_SECRET replaces the generated one: old tokens no longer verify.
  const third = await startTestApp({ JWT_SECRET: 'k'.repeat(48) });
  try {
    await t.test('tokens signed with another secret are rejected', async () => {
      assert.equal((await call(third.app, 'GET', '/api/me', ada.accessToken)).statusCode, 401);
    });
  } finally {
    await third.close();
  }
});
