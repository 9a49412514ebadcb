/**
 * Issue #15, what reaches the server and what it says back: 1 driver errors (SQL, parameters, a
 * password hash) never in a reply or a log line, 3/12/16 the upload pipeline (aborted uploads
 * leave nothing, malformed bodies and long names are 4xx without paths, guests cannot upload),
 * 13 requests that trickle in are cut off, and the hygiene items (CSP, HSTS, worker pids,
 * Infinity in search, bidi characters in names, public source maps).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { errorForLog, publicError } from '../../server/http/errors.js';
import { sweepIncoming } from '../../server/music/upload-route.js';
import { users } from '../../sql/schema.js';
import type { TestApp } from '../helpers/app.js';
import { waitFor } from '../helpers/server-process.js';
import { call, roomWithLinks, signUp, startSecurityApp } from './harness.js';

const REQUEST_TIMEOUT_S = 3;
let server: TestApp;
let uploadDir: string;
before(async () => {
  server = await startSecurityApp({ REQUEST_TIMEOUT_S: String(REQUEST_TIMEOUT_S) });
  uploadDir = path.join(server.app.services.config.DATA_DIR_ABS, 'library', 'uploads');
});
after(async () => {
  await server?.close();
});

function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? filesUnder(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

test('1: a real driver error becomes a fixed sentence; neither the reply nor the log line holds SQL, parameters or the hash', async () => {
  const hash = '$argon2id$v=19$m=19456,t=2,p=1$c2VjcmV0c2FsdA$c2VjcmV0aGFzaA';
  const err = await server.app.services.database.db
    .insert(users)
    .values({ email: 'nul\u0000@example.org', displayName: 'x', passwordHash: hash })
    .then(
      () => undefined,
      (e: unknown) => e,
    );
  assert.ok(err, 'PostgreSQL refuses NUL in text');
  const reply = publicError(err);
  assert.equal(reply.statusCode, 400);
  const logged = JSON.stringify(errorForLog(err));
  for (const text of [reply.message, logged]) {
    assert.doesNotMatch(text, /argon2|insert into|params|example\.org/i, text);
  }
  // End to end: NUL in a sign-up is a 400 before anything is hashed or stored.
  const response = await call(server.app, 'POST', '/api/auth/signup', undefined, {
    email: 'a\u0000b@example.org',
    password: 'correct horse battery',
    displayName: 'N',
  });
  assert.equal(response.statusCode, 400);
  assert.doesNotMatch(response.body, /argon2|insert|params/i);
});

function multipart(boundary: string, name: string, content: Buffer | string): Blob {
  return new Blob([
    Buffer.concat([
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${name}"\r\nContent-Type: audio/mpeg\r\n\r\n`),
      Buffer.from(content),
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]),
  ]);
}

test('16: invite guests cannot upload into the shared catalogue', async () => {
  const owner = await signUp(server.app, 'Owner');
  const { inviteToken } = await roomWithLinks(server, owner);
  const guest = (await call(server.app, 'POST', '/api/invites/accept', undefined, { token: inviteToken })).json() as {
    accessToken: string;
  };
  const response = await fetch(`${server.url}/api/music/import`, {
    method: 'POST',
    headers: { authorization: `Bearer ${guest.accessToken}`, 'content-type': 'multipart/form-data; boundary=b' },
    body: multipart('b', 'song.mp3', 'not really audio'),
  });
  assert.equal(response.status, 403);
  assert.deepEqual(filesUnder(uploadDir), []);
});

test('3: an upload aborted half-way leaves no file behind, and leftovers of a crash are swept at start', async () => {
  const owner = await signUp(server.app, 'Uploader');
  const { port } = new URL(server.url);
  const socket = net.connect(Number(port), '127.0.0.1');
  await new Promise((r) => socket.once('connect', r));
  const head = `--b\r\nContent-Disposition: form-data; name="file"; filename="big.mp3"\r\nContent-Type: audio/mpeg\r\n\r\n`;
  socket.write(
    `POST /api/music/import HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${owner.accessToken}\r\nContent-Type: multipart/form-data; boundary=b\r\nContent-Length: ${10 * 1024 * 1024}\r\n\r\n${head}`,
  );
  socket.write(Buffer.alloc(256 * 1024, 7));
  await waitFor(() => (filesUnder(uploadDir).length > 0 ? true : undefined), 10000, 'the partial file to appear');
  socket.destroy();
  await waitFor(() => (filesUnder(uploadDir).length === 0 ? true : undefined), 10000, 'the partial file to be removed');
  // A crash mid-upload leaves a part in .incoming/: the next start removes it.
  fs.mkdirSync(path.join(uploadDir, '.incoming'), { recursive: true });
  fs.writeFileSync(path.join(uploadDir, '.incoming', 'left-by-a-crash.mp3'), 'partial');
  assert.equal(sweepIncoming(uploadDir), 1);
  assert.deepEqual(filesUnder(uploadDir), []);
});

test('12: malformed multipart, a 300-character file name and an undecodable file: 4xx, no path, nothing kept', async () => {
  const owner = await signUp(server.app, 'Uploader');
  const send = (body: Blob | string, boundary = 'b') =>
    fetch(`${server.url}/api/music/import`, {
      method: 'POST',
      headers: { authorization: `Bearer ${owner.accessToken}`, 'content-type': `multipart/form-data; boundary=${boundary}` },
      body,
    });
  const malformed = await send('--b\r\nContent-Disposition: form-data; name="file"; filename="a.mp3"\r\n\r\nno end boundary');
  assert.equal(malformed.status, 400, await malformed.clone().text());
  const longName = await send(multipart('b', `${'n'.repeat(300)}.mp3`, 'not audio'));
  const longBody = await longName.text();
  assert.ok(longName.status >= 400 && longName.status < 500, `${longName.status} ${longBody}`);
  const undecodable = await send(multipart('b', 'broken.mp3', Buffer.alloc(4096, 1)));
  const body = await undecodable.text();
  assert.equal(undecodable.status, 422, body);
  const dataDir = server.app.services.config.DATA_DIR_ABS;
  for (const text of [longBody, body]) {
    assert.ok(!text.includes(dataDir) && !/ENAMETOOLONG|\/tmp\//.test(text), `no path in ${text}`);
  }
  assert.deepEqual(filesUnder(uploadDir), [], 'nothing that did not become a track is kept');
});

test(`13: connections that trickle a request in are closed after REQUEST_TIMEOUT_S (${REQUEST_TIMEOUT_S} s)`, async () => {
  const { port } = new URL(server.url);
  const started = Date.now();
  const sockets = await Promise.all(
    Array.from({ length: 10 }, async () => {
      const socket = net.connect(Number(port), '127.0.0.1');
      await new Promise((r) => socket.once('connect', r));
      socket.on('error', () => {});
      socket.write('POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{');
      const closed = new Promise<number>((r) => socket.once('close', () => r(Date.now() - started)));
      const drip = setInterval(() => socket.writable && socket.write(' '), 500);
      return { socket, closed, drip };
    }),
  );
  const bound = (REQUEST_TIMEOUT_S + 6) * 1000;
  const closedAfter = await Promise.all(
    sockets.map((s) => Promise.race([s.closed, new Promise<number>((r) => setTimeout(() => r(Infinity), bound))])),
  );
  for (const s of sockets) {
    clearInterval(s.drip);
    s.socket.destroy();
  }
  assert.ok(
    closedAfter.every((ms) => ms < bound),
    `every trickling connection closed within ${bound} ms: ${closedAfter.join(', ')}`,
  );
  assert.equal((await call(server.app, 'GET', '/healthz')).statusCode, 200);
});

test('hygiene: CSP without wildcard hosts, HSTS only over TLS, pids only for local probes, finite search, clean names, no source maps', async () => {
  const { app } = server;
  const response = await app.inject({ method: 'GET', url: '/healthz' });
  const csp = String(response.headers['content-security-policy']);
  const directive = (name: string) =>
    csp
      .split(';')
      .map((d) => d.trim())
      .find((d) => d.startsWith(`${name} `)) ?? '';
  assert.equal(directive('connect-src'), "connect-src 'self'");
  assert.doesNotMatch(directive('style-src'), /https:/);
  assert.equal(response.headers['strict-transport-security'], undefined, 'no HSTS over plain HTTP');
  const remote = await app.inject({ method: 'GET', url: '/readyz', remoteAddress: '203.0.113.9' });
  assert.doesNotMatch(remote.body, /"pid"/);
  const owner = await signUp(app, 'Owner');
  for (const v of ['Infinity', '-Infinity', 'NaN', '1e999']) {
    assert.equal((await call(app, 'GET', `/api/music/search?valence=${v}&arousal=0`, owner.accessToken)).statusCode, 400, `valence=${v}`);
  }
  const bidi = await call(app, 'POST', '/api/auth/signup', undefined, {
    email: `bidi${Date.now()}@example.org`,
    password: 'correct horse battery',
    displayName: 'Eve\u202Egnp.exe\u0007',
  });
  assert.equal(bidi.statusCode, 201, bidi.body);
  assert.equal((bidi.json() as { user: { displayName: string } }).user.displayName, 'Evegnp.exe');
  const page = await fetch(`${server.url}/app.js.map`);
  assert.notEqual(page.status, 200, 'no source map is served');
});
