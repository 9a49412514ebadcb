/**
 * "Show on TV" pairing codes: the rules on their own (expiry, single use, one code per room,
 * lockouts, on a controlled clock), then through the real app: an owner asks for a code, a
 * screen without an account claims it and listens with the link it gets, the owner revokes it.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { PAIRING_ALPHABET, PairingCodes, PairingError } from '../../server/pairing/pairing-codes.js';
import { startTestApp, type TestApp } from '../helpers/app.js';

function refusal(fn: () => unknown): PairingError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof PairingError, String(err));
    return err;
  }
  assert.fail('expected a PairingError');
}

test('codes: 6 unambiguous characters, expire after 10 minutes, work once, one per room', () => {
  let now = 1_000_000;
  const codes = new PairingCodes({ now: () => now });
  const { code, expiresAt } = codes.create('room-a', 'owner-a');
  assert.match(code, new RegExp(`^[${PAIRING_ALPHABET}]{6}$`));
  assert.doesNotMatch(PAIRING_ALPHABET, /[01OIL]/);
  assert.equal(expiresAt, now + 10 * 60_000);

  // Typed loosely (lower case, a space in the middle) it still pairs; then it is spent.
  assert.deepEqual(codes.claim(`${code.slice(0, 3).toLowerCase()} ${code.slice(3)}`, '10.0.0.1'), {
    roomId: 'room-a',
    createdBy: 'owner-a',
  });
  assert.equal(refusal(() => codes.claim(code, '10.0.0.1')).statusCode, 404, 'a code works once');

  const second = codes.create('room-a', 'owner-a').code;
  now += 10 * 60_000 - 1;
  assert.equal(codes.current('room-a')?.code, second);
  now += 1;
  assert.equal(refusal(() => codes.claim(second, '10.0.0.2')).statusCode, 404, 'expired at 10 minutes');
  assert.equal(codes.current('room-a'), undefined);

  // Asking again replaces the room's code; cancelling stops it.
  const old = codes.create('room-a', 'owner-a').code;
  const fresh = codes.create('room-a', 'owner-a').code;
  assert.equal(refusal(() => codes.claim(old, '10.0.0.3')).statusCode, 404);
  codes.cancel('room-a');
  assert.equal(refusal(() => codes.claim(fresh, '10.0.0.3')).statusCode, 404);
});

test('codes: wrong guesses lock an address out for the window, and everyone after too many overall', () => {
  let now = 0;
  const codes = new PairingCodes({ now: () => now, maxFailuresPerAddress: 3, maxFailuresOverall: 5, windowMs: 60_000 });
  const { code } = codes.create('room-b', 'owner-b');
  for (let i = 0; i < 3; i++) assert.equal(refusal(() => codes.claim('AAAAAA', 'guesser')).statusCode, 404);
  const locked = refusal(() => codes.claim(code, 'guesser'));
  assert.equal(locked.statusCode, 429, 'even the right code is refused while locked out');
  assert.ok(locked.retryAfterS! > 0 && locked.retryAfterS! <= 60);
  // Another address is unaffected, until the overall budget is spent.
  assert.equal(refusal(() => codes.claim('BBBBBB', 'other')).statusCode, 404);
  assert.equal(refusal(() => codes.claim('CCCCCC', 'third')).statusCode, 404);
  assert.equal(refusal(() => codes.claim(code, 'fourth')).statusCode, 429);
  now += 60_000;
  assert.deepEqual(codes.claim(code, 'guesser'), { roomId: 'room-b', createdBy: 'owner-b' }, 'the lockout ends with its window');

  const limited = new PairingCodes({ now: () => now, maxCodesPerRoom: 2 });
  limited.create('room-c', 'o');
  limited.create('room-c', 'o');
  assert.equal(refusal(() => limited.create('room-c', 'o')).statusCode, 429);
});

let server: TestApp;
before(async () => {
  server = await startTestApp({ ALLOW_ANONYMOUS_ROOMS: 'false', MEDIASOUP_WORKERS: '1' });
});
after(async () => server?.close());

test('a screen pairs by code without an account, listens with its link, and stops when the owner revokes it', async () => {
  const inject = server.app.inject.bind(server.app);
  const signup = async (name: string) =>
    (
      (
        await inject({
          method: 'POST',
          url: '/api/auth/signup',
          payload: { email: `${name}-${Date.now()}@example.org`, password: 'correct horse battery staple', displayName: name },
        })
      ).json() as { accessToken: string }
    ).accessToken;
  const owner = { authorization: `Bearer ${await signup('owner')}` };
  const stranger = { authorization: `Bearer ${await signup('stranger')}` };
  const roomId = (
    (await inject({ method: 'POST', url: '/api/rooms', headers: owner, payload: { name: 'Lounge' } })).json() as { id: string }
  ).id;

  assert.equal((await inject({ method: 'POST', url: `/api/rooms/${roomId}/pairing-codes` })).statusCode, 401);
  assert.equal((await inject({ method: 'POST', url: `/api/rooms/${roomId}/pairing-codes`, headers: stranger })).statusCode, 403);
  const created = await inject({ method: 'POST', url: `/api/rooms/${roomId}/pairing-codes`, headers: owner });
  assert.equal(created.statusCode, 201);
  const pairing = created.json() as { code: string; url: string; qrSvg: string; expiresAt: string };
  assert.match(pairing.url, new RegExp(`/listen\\?pair=${pairing.code}$`));
  assert.match(pairing.qrSvg, /^<svg[^>]*>.*<path/s);
  assert.equal((await inject({ method: 'GET', url: `/api/rooms/${roomId}/pairing-codes`, headers: owner })).json().code, pairing.code);

  // The screen: no Authorization header at all.
  const claim = await inject({ method: 'POST', url: '/api/pairing/claim', payload: { code: pairing.code, name: 'Living room TV' } });
  assert.equal(claim.statusCode, 201, claim.body);
  const paired = claim.json() as { roomId: string; token: string; linkId: string; label: string; listenUrl: string };
  assert.equal(paired.roomId, roomId);
  assert.equal(paired.label, 'Paired screen: Living room TV');
  assert.equal(paired.listenUrl, `/listen/${roomId}`);
  assert.equal(
    (await inject({ method: 'POST', url: '/api/pairing/claim', payload: { code: pairing.code } })).statusCode,
    404,
    'single use',
  );
  assert.equal((await inject({ method: 'GET', url: `/api/rooms/${roomId}/now-playing?lt=${paired.token}` })).statusCode, 200);

  // The owner sees it among the room's links, and revoking it stops it on the next request.
  const links = (await inject({ method: 'GET', url: `/api/rooms/${roomId}/listener-links`, headers: owner })).json() as {
    id: string;
    label: string;
  }[];
  assert.deepEqual(
    links.map((l) => l.label),
    ['Paired screen: Living room TV'],
  );
  assert.equal(
    (await inject({ method: 'DELETE', url: `/api/rooms/${roomId}/listener-links/${paired.linkId}`, headers: owner })).statusCode,
    204,
  );
  assert.equal((await inject({ method: 'GET', url: `/api/rooms/${roomId}/now-playing?lt=${paired.token}` })).statusCode, 403);
  assert.equal((await inject({ method: 'GET', url: `/stream/${roomId}/live.m3u8?lt=${paired.token}` })).statusCode, 403);

  // A closed room's waiting code pairs nothing.
  const late = (await inject({ method: 'POST', url: `/api/rooms/${roomId}/pairing-codes`, headers: owner })).json() as { code: string };
  assert.equal((await inject({ method: 'POST', url: `/api/rooms/${roomId}/close`, headers: owner })).statusCode, 204);
  assert.equal((await inject({ method: 'POST', url: '/api/pairing/claim', payload: { code: late.code } })).statusCode, 404);
  assert.equal((await inject({ method: 'POST', url: `/api/rooms/${roomId}/pairing-codes`, headers: owner })).statusCode, 409);
});

test('the claim route locks out an address after 10 wrong codes', async () => {
  const inject = server.app.inject.bind(server.app);
  const statuses: number[] = [];
  for (let i = 0; i < 11; i++) {
    const r = await inject({
      method: 'POST',
      url: '/api/pairing/claim',
      remoteAddress: '198.51.100.7',
      payload: { code: `ZZZZ${PAIRING_ALPHABET[i]}${PAIRING_ALPHABET[i]}` },
    });
    statuses.push(r.statusCode);
    if (r.statusCode === 429) assert.ok(Number(r.headers['retry-after']) > 0);
  }
  assert.deepEqual(statuses, [...Array(10).fill(404), 429]);
});

test('members listen with their session token; the bare /listen page is served', async () => {
  const inject = server.app.inject.bind(server.app);
  const { accessToken } = (
    await inject({
      method: 'POST',
      url: '/api/auth/signup',
      payload: { email: `m-${Date.now()}@example.org`, password: 'correct horse battery staple', displayName: 'M' },
    })
  ).json() as { accessToken: string };
  const roomId = (
    (
      await inject({ method: 'POST', url: '/api/rooms', headers: { authorization: `Bearer ${accessToken}` }, payload: { name: 'Den' } })
    ).json() as { id: string }
  ).id;
  assert.equal(
    (await inject({ method: 'GET', url: `/api/rooms/${roomId}/now-playing`, headers: { authorization: `Bearer ${accessToken}` } }))
      .statusCode,
    200,
  );
  const clock = (await inject({ method: 'GET', url: '/stream/clock' })).json() as { nowMs: number; playAtOffsetMs: number };
  assert.ok(Math.abs(clock.nowMs - Date.now()) < 5000);
  assert.equal(typeof clock.playAtOffsetMs, 'number');
  for (const url of ['/listen', `/listen/${roomId}`]) {
    const page = await inject({ method: 'GET', url });
    // 503 only where the client bundle is not built.
    assert.ok(page.statusCode === 200 || page.statusCode === 503, `${url}: ${page.statusCode}`);
    if (page.statusCode === 200) assert.match(page.body, /<moodify-listen>/);
  }
});
