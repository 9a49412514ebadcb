/**
 * Acceptance (issue #15): arbitrary strings — NUL, lone surrogates, bidi overrides, control
 * characters, long and empty ones — into every text field of the API and of the signalling
 * protocol. Never a 500, never a driver message, SQL, password hash or file path in a reply or in
 * the server's log, and the server keeps serving. Runs the real server process (its log is read).
 * The same run checks the privacy promise after a session: no telemetry file under HOME (the
 * emotion models load at start, which is when onnxruntime would queue its events) and no raw
 * media under DATA_DIR.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';

import fc from 'fast-check';

import { SignallingWs } from '../../bench/lib/ws-client.js';
import { scanFilesForRawMedia } from '../accounts/raw-media-scan.js';
import { type ServerProcess, startServer } from '../helpers/server-process.js';

const NUM_RUNS = Number(process.env.SECURITY_FUZZ_RUNS || 50);
const LEAK =
  /insert into|select .{0,80} from|update ".{0,40}" set|params:|\$argon2|Failed query|PostgresError|DrizzleQueryError|\/tmp\/|\/work\/|\/home\/|node_modules|ENAMETOOLONG|ENOENT/i;

let server: ServerProcess;
let home: string;
let dataDir: string;
let owner: { accessToken: string; refreshToken: string; user: { id: string; email: string } };
let roomId: string;
let linkToken: string;
let inviteToken: string;

async function http(method: string, url: string, options: { token?: string | undefined; body?: unknown; raw?: string } = {}) {
  const response = await fetch(`${server.url}${url}`, {
    method,
    headers: {
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...(options.body !== undefined || options.raw !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(options.raw !== undefined ? { body: options.raw } : options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
  });
  return { status: response.status, body: await response.text() };
}

before(async () => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'moodify-home-'));
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'moodify-fuzz-data-'));
  server = await startServer(
    {
      HOME: home,
      XDG_CACHE_HOME: path.join(home, '.cache'),
      DATA_DIR: dataDir,
      ALLOW_ANONYMOUS_ROOMS: 'false',
      AUTH_RATE_LIMIT_MAX: '1000000',
      RATE_LIMIT_MAX: '1000000',
      MUSIC_BUNDLED_IMPORT: '0',
      MEDIASOUP_WORKERS: '1',
    },
    120_000,
  );
  const email = `owner.${Date.now()}@example.org`;
  const signup = await http('POST', '/api/auth/signup', { body: { email, password: 'correct horse battery', displayName: 'Owner' } });
  assert.equal(signup.status, 201, signup.body);
  owner = JSON.parse(signup.body);
  roomId = JSON.parse((await http('POST', '/api/rooms', { token: owner.accessToken, body: { name: 'Fuzz room' } })).body).id;
  linkToken = JSON.parse(
    (await http('POST', `/api/rooms/${roomId}/listener-links`, { token: owner.accessToken, body: { label: 'tv' } })).body,
  ).token;
  inviteToken = JSON.parse(
    (await http('POST', `/api/rooms/${roomId}/invites`, { token: owner.accessToken, body: { expiresInHours: 1 } })).body,
  ).token;
});

after(async () => {
  await server?.stop();
  fs.rmSync(home, { recursive: true, force: true });
  fs.rmSync(dataDir, { recursive: true, force: true });
});

/** Strings built from the nasty parts: NUL, lone surrogates, bidi overrides, controls, anything in the BMP. */
const nasty = fc
  .array(
    fc.oneof(
      fc.constantFrom('\u0000', '\ud800', '\udfff', '\u202e', '\u2066', '\u0007', '\n', ' ', '"', "'", '\\', '%', '../', '$1', '😀', 'é'),
      fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)),
      fc.string({ maxLength: 12 }),
    ),
    { maxLength: 40 },
  )
  .map((parts) => parts.join(''));

type Target = (s: string) => Promise<{ status: number; body: string }>;
/** Percent-encodes the UTF-8 bytes (a lone surrogate becomes U+FFFD's; encodeURIComponent would throw). */
const enc = (s: string) => [...Buffer.from(s, 'utf8')].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');
const targets: Record<string, Target> = {
  'signup.email': (s) =>
    http('POST', '/api/auth/signup', { body: { email: `${s}@example.org`, password: 'correct horse battery', displayName: 'X' } }),
  'signup.displayName': (s) =>
    http('POST', '/api/auth/signup', {
      body: { email: `f${Math.random()}@example.org`, password: 'correct horse battery', displayName: s },
    }),
  'signup.password': (s) =>
    http('POST', '/api/auth/signup', { body: { email: `f${Math.random()}@example.org`, password: s, displayName: 'X' } }),
  'login.email': (s) => http('POST', '/api/auth/login', { body: { email: s, password: 'whatever it is' } }),
  'login.password': (s) => http('POST', '/api/auth/login', { body: { email: owner.user.email, password: s || 'x' } }),
  'refresh.token': (s) => http('POST', '/api/auth/refresh', { body: { refreshToken: s } }),
  'logout.token': (s) => http('POST', '/api/auth/logout', { body: { refreshToken: s } }),
  'rooms.name': (s) => http('POST', '/api/rooms', { token: owner.accessToken, body: { name: s } }),
  'rooms.patch.name': (s) => http('PATCH', `/api/rooms/${roomId}`, { token: owner.accessToken, body: { name: s } }),
  'rooms.path': (s) => http('GET', `/api/rooms/${enc(s)}`, { token: owner.accessToken }),
  'members.path': (s) => http('DELETE', `/api/rooms/${roomId}/members/${enc(s)}`, { token: owner.accessToken }),
  'links.label': (s) => http('POST', `/api/rooms/${roomId}/listener-links`, { token: owner.accessToken, body: { label: s } }),
  'listener-access.token': (s) => http('GET', `/api/rooms/${roomId}/listener-access?token=${enc(s)}`),
  'invites.accept.token': (s) => http('POST', '/api/invites/accept', { body: { token: s } }),
  'invites.accept.displayName': (s) => http('POST', '/api/invites/accept', { body: { token: inviteToken, displayName: s } }),
  'settings.strategy': (s) => http('PUT', '/api/me/settings', { token: owner.accessToken, body: { strategy: s } }),
  'history.days': (s) => http('GET', `/api/me/history?days=${enc(s)}`, { token: owner.accessToken }),
  'search.q': (s) => http('GET', `/api/music/search?q=${enc(s)}`, { token: owner.accessToken }),
  'search.valence': (s) => http('GET', `/api/music/search?valence=${enc(s)}&arousal=0`, { token: owner.accessToken }),
  'feedback.trackId': (s) =>
    http('POST', `/api/rooms/${roomId}/feedback`, { token: owner.accessToken, body: { trackId: s, kind: 'like' } }),
  'feedback.listenerId': (s) =>
    http('POST', `/api/rooms/${roomId}/feedback?lt=${linkToken}`, { body: { trackId: 'x', kind: 'like', listenerId: s } }),
  'strategy.value': (s) => http('PUT', `/api/music/rooms/${roomId}/strategy`, { token: owner.accessToken, body: { strategy: s } }),
  'authorization.header': (s) =>
    fetch(`${server.url}/api/me`, { headers: { authorization: `Bearer ${s.replace(/[^\x21-\x7e]/g, 'x')}` } }).then(async (r) => ({
      status: r.status,
      body: await r.text(),
    })),
  'json.raw': (s) => http('POST', '/api/auth/login', { raw: s }),
  // Invalid UTF-8 in the URL (a lone surrogate's CESU-8 bytes), as a raw client could send.
  'query.invalid-utf8': (s) => http('GET', `/api/music/search?q=%ED%A0%80${enc(s)}`, { token: owner.accessToken }),
};

test('arbitrary strings in every text field of the API: never a 500, never a driver message or a path', async () => {
  const names = Object.keys(targets);
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(...names), nasty, async (name, value) => {
      const { status, body } = await targets[name]!(value);
      assert.ok(status < 500, `${name} ${JSON.stringify(value)} → ${status} ${body.slice(0, 300)}`);
      assert.doesNotMatch(body, LEAK, `${name} ${JSON.stringify(value)} leaked: ${body.slice(0, 300)}`);
    }),
    { numRuns: NUM_RUNS * 2, seed: Number(process.env.SECURITY_FUZZ_SEED || 20261207) },
  );
  // Every target once with a NUL and once with a lone surrogate, whatever the sampling chose.
  for (const [name, send] of Object.entries(targets)) {
    for (const value of ['a\u0000b', 'a\ud800b', '\u202eevil']) {
      const { status, body } = await send(value);
      assert.ok(status < 500, `${name} ${JSON.stringify(value)} → ${status} ${body.slice(0, 300)}`);
      assert.doesNotMatch(body, LEAK, `${name} leaked: ${body.slice(0, 300)}`);
    }
  }
  assert.equal((await http('GET', '/healthz')).status, 200);
  assert.equal((await http('GET', '/api/me', { token: owner.accessToken })).status, 200, 'the server keeps serving');
});

test('arbitrary strings in every text field of the signalling protocol: only protocol errors, no driver detail', async () => {
  const ws = await SignallingWs.connect(`${server.url.replace(/^http/, 'ws')}/ws`);
  try {
    const fields: [string, (s: string) => Record<string, unknown>][] = [
      ['join', (s) => ({ roomId, token: inviteToken, displayName: s })],
      ['join', (s) => ({ roomId, token: owner.accessToken, displayName: s })],
      ['join', (s) => ({ roomId: s, token: owner.accessToken })],
      ['join', (s) => ({ roomId, token: s })],
      ['watch', (s) => ({ roomId, token: s })],
      ['watch', (s) => ({ roomId: s, token: linkToken })],
    ];
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: fields.length - 1 }), nasty, async (i, value) => {
        const [method, data] = fields[i]!;
        const reply = await ws.call(method, data(value), 30_000);
        if (!reply.ok) {
          assert.notEqual(reply.error!.code, 'media-error', `${method} ${JSON.stringify(value)}: ${reply.error!.message}`);
          assert.doesNotMatch(reply.error!.message, LEAK, `${method} leaked: ${reply.error!.message}`);
        }
        if (method === 'join' && reply.ok) {
          const name = (reply.data as { participantId: string }) && value;
          void name;
          await ws.call('leave');
        }
        if (method === 'watch' && reply.ok) await ws.call('unwatch');
      }),
      { numRuns: NUM_RUNS, seed: Number(process.env.SECURITY_FUZZ_SEED || 20261207) },
    );
    const members = JSON.parse((await http('GET', `/api/rooms/${roomId}/members`, { token: owner.accessToken })).body) as {
      displayName: string;
    }[];
    for (const m of members)
      assert.doesNotMatch(
        m.displayName,
        // eslint-disable-next-line no-control-regex -- a stored name must hold no control character
        /[\u0000-\u001f\u202a-\u202e\u2066-\u2069]/,
        `a stored display name is clean: ${JSON.stringify(m.displayName)}`,
      );
  } finally {
    await ws.close();
  }
  assert.equal((await http('GET', '/healthz')).status, 200);
});

test('the server log holds no SQL, parameters, password hashes or paths of requests', async () => {
  await new Promise((r) => setTimeout(r, 500));
  const log = server.stderr();
  const leaks = log.split('\n').filter((line) => /insert into|select .{0,80} from|params:|\$argon2|Failed query/i.test(line));
  assert.deepEqual(leaks.slice(0, 3), [], 'no driver detail in the log');
});

test('after the session: no telemetry file under HOME, no raw media under DATA_DIR', () => {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else found.push(path.relative(home, full));
    }
  };
  walk(home);
  assert.deepEqual(
    found.filter((f) => /onnxruntime|Microsoft|DeveloperTools/i.test(f)),
    [],
    'onnxruntime telemetry off',
  );
  assert.deepEqual(scanFilesForRawMedia(dataDir), []);
});
