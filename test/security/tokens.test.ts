/**
 * Issue #15, sign-in findings: 7 parallel refreshes, 8 access tokens after log-out,
 * 9 one rate budget across the auth routes and a per-account lock-out, 14 password policy.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { revokeRefreshFamily } from '../../server/accounts/tokens.js';
import type { TestApp } from '../helpers/app.js';
import { call, type Session, signUp, startSecurityApp } from './harness.js';

let server: TestApp;
before(async () => {
  server = await startSecurityApp();
});
after(async () => {
  await server?.close();
});

test('7: two refreshes racing with one token both succeed, and the log-in survives', async () => {
  const { app } = server;
  const session = await signUp(app, 'Racer');
  const [a, b] = await Promise.all([
    call(app, 'POST', '/api/auth/refresh', undefined, { refreshToken: session.refreshToken }),
    call(app, 'POST', '/api/auth/refresh', undefined, { refreshToken: session.refreshToken }),
  ]);
  assert.deepEqual([a.statusCode, b.statusCode], [200, 200], `${a.body} / ${b.body}`);
  const next = (a.json() as Session).refreshToken;
  assert.equal((b.json() as Session).refreshToken, next, 'both got the same successor');
  const again = await call(app, 'POST', '/api/auth/refresh', undefined, { refreshToken: next });
  assert.equal(again.statusCode, 200, `the successor still works: ${again.body}`);
  // A replay after the grace (REFRESH_REUSE_GRACE_S) is still theft and revokes the log-in: test/accounts/auth-flow.test.ts.
});

test('8: an access token stops working when its log-in is ended (log-out, revoked family)', async () => {
  const { app } = server;
  const session = await signUp(app, 'Leaver');
  assert.equal((await call(app, 'GET', '/api/me', session.accessToken)).statusCode, 200);
  assert.equal((await call(app, 'POST', '/api/auth/logout', undefined, { refreshToken: session.refreshToken })).statusCode, 204);
  assert.equal((await call(app, 'GET', '/api/me', session.accessToken)).statusCode, 401, 'the access token died with the log-in');
  // Another log-in of the same account is unaffected.
  const other = (
    await call(app, 'POST', '/api/auth/login', undefined, { email: session.user.email, password: 'correct horse battery' })
  ).json() as Session;
  assert.equal((await call(app, 'GET', '/api/me', other.accessToken)).statusCode, 200);
  // A revoked family (what reuse of a spent refresh token does) ends its access tokens too, also those of rotated tokens.
  const rotated = (await call(app, 'POST', '/api/auth/refresh', undefined, { refreshToken: other.refreshToken })).json() as Session;
  const sid = (JSON.parse(Buffer.from(rotated.accessToken.split('.')[1]!, 'base64url').toString()) as { sid: string }).sid;
  await revokeRefreshFamily(app.services.database.db, sid);
  assert.equal((await call(app, 'GET', '/api/me', rotated.accessToken)).statusCode, 401);
  assert.equal((await call(app, 'GET', '/api/me', other.accessToken)).statusCode, 401);
});

test('9: one budget per address across the auth routes, and a lock-out per account', async () => {
  const limited = await startSecurityApp({ AUTH_RATE_LIMIT_MAX: '6' });
  try {
    const { app } = limited;
    const victim = await signUp(app, 'Victim'); // 1
    const logins = [];
    for (let i = 0; i < 5; i++)
      logins.push(
        (await call(app, 'POST', '/api/auth/login', undefined, { email: 'nobody@example.org', password: 'wrong password' })).statusCode,
      );
    assert.deepEqual(logins, [401, 401, 401, 401, 401]);
    // The address's budget (6) is spent: the other auth routes refuse too.
    const signup = await call(app, 'POST', '/api/auth/signup', undefined, {
      email: 'new@example.org',
      password: 'a long enough password',
      displayName: 'New',
    });
    assert.equal(signup.statusCode, 429, signup.body);
    assert.ok(signup.headers['retry-after']);
    assert.equal((await call(app, 'POST', '/api/auth/refresh', undefined, { refreshToken: victim.refreshToken })).statusCode, 429);
    assert.equal((await call(app, 'POST', '/api/invites/accept', undefined, { token: 'x'.repeat(43) })).statusCode, 429);
  } finally {
    await limited.close();
  }
  // Lock-out: wrong passwords for one account from many addresses.
  const { app } = server;
  const victim = await signUp(app, 'Locked');
  const statuses: number[] = [];
  for (let i = 0; i < 6; i++) {
    const response = await app.inject({
      method: 'POST',
      url: '/api/auth/login',
      remoteAddress: `10.0.0.${i + 1}`,
      payload: { email: victim.user.email, password: 'not the password' },
    });
    statuses.push(response.statusCode);
  }
  assert.deepEqual(statuses, [401, 401, 401, 401, 401, 429]);
  const right = await app.inject({
    method: 'POST',
    url: '/api/auth/login',
    remoteAddress: '10.0.1.1',
    payload: { email: victim.user.email, password: 'correct horse battery' },
  });
  assert.equal(right.statusCode, 429, 'locked even with the right password, for a while');
  assert.ok(Number(right.headers['retry-after']) > 0);
});

test('14: trivial passwords are refused at sign-up', async () => {
  const { app } = server;
  for (const password of ['12345678', '        ', 'aaaaaaaa', 'password', 'abcdefgh', '   abc   ']) {
    const response = await call(app, 'POST', '/api/auth/signup', undefined, {
      email: `p${Math.random()}@example.org`,
      password,
      displayName: 'Weak',
    });
    assert.equal(response.statusCode, 400, `"${password}" → ${response.statusCode}`);
  }
  const ok = await call(app, 'POST', '/api/auth/signup', undefined, {
    email: `ok${Math.random()}@example.org`,
    password: 'correct horse battery',
    displayName: 'Strong',
  });
  assert.equal(ok.statusCode, 201);
});
