/**
 * Checks every cell of server/accounts/ACCESS.md against the real app (PGlite, inject()): each
 * route × {anonymous, bad token, other user, guest, member, owner}. Requests expected to succeed
 * and change state get a fresh fixture per cell, so one cell's DELETE cannot change the next
 * cell's answer. Also checks
 * that every /api route the app registers is documented.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { badTokens, type RoomFixture, roomFixture, storedJwtSecret } from './fixtures.js';
import { startTestApp, type TestApp } from './test-app.js';

const ACCESS_MD = fileURLToPath(new URL('../../server/accounts/ACCESS.md', import.meta.url));
const COLUMNS = ['anonymous', 'bad token', 'other user', 'guest', 'member', 'owner'] as const;
type Column = (typeof COLUMNS)[number];

interface Row {
  method: string;
  path: string;
  variant?: string;
  expected: Record<Column, number>;
}

function readMatrix(): Row[] {
  const text = fs.readFileSync(ACCESS_MD, 'utf8');
  const block = /<!-- access-matrix:start -->([\s\S]*?)<!-- access-matrix:end -->/.exec(text)?.[1];
  assert.ok(block, 'ACCESS.md has an access-matrix block');
  const lines = block.trim().split('\n').slice(2); // header and separator
  return lines.map((line) => {
    const cells = line
      .split('|')
      .slice(1, -1)
      .map((c) => c.trim());
    assert.equal(cells.length, 2 + COLUMNS.length, `row has every column: ${line}`);
    const [method, rawPath, ...codes] = cells as [string, string, ...string[]];
    const variant = /\((.*)\)$/.exec(rawPath)?.[1];
    const path = rawPath.replace(/\s*\(.*\)$/, '');
    const expected = Object.fromEntries(COLUMNS.map((c, i) => [c, Number(codes[i])])) as Record<Column, number>;
    for (const c of COLUMNS) assert.ok(expected[c] >= 200 && expected[c] < 600, `status for ${c} in ${line}`);
    return { method, path, ...(variant ? { variant } : {}), expected };
  });
}

function resolvePath(path: string, f: RoomFixture, self: string | undefined): string {
  return path
    .replace(':unknownRoomId', '6f1c1c38-3f5a-4c1e-9a43-0c8f1b1f0000')
    .replace(':closedRoomId', f.closedRoomId)
    .replace(':roomId', f.roomId)
    .replace(':otherMemberId', f.otherMember.id)
    .replace(':self', self ?? f.otherUser.id)
    .replace(':inviteId', f.inviteId)
    .replace(':linkId', f.linkId)
    .replace(':revokedLinkToken', f.revokedLinkToken)
    .replace(':linkToken', f.linkToken);
}

function bodyFor(row: Row, f: RoomFixture): object | undefined {
  if (row.method === 'GET' || row.method === 'DELETE') return undefined;
  if (row.path === '/api/invites/accept')
    return { token: row.variant === 'revoked invite' ? f.revokedInviteToken : f.inviteToken, displayName: 'Visitor' };
  if (row.path === '/api/rooms' || row.method === 'PATCH') return { name: 'Renamed room' };
  if (row.path === '/api/me/settings') return { strategy: 'calm' };
  return {};
}

let t: TestApp;
let shared: RoomFixture;
let secret: string;

before(async () => {
  t = await startTestApp();
  shared = await roomFixture(t.app);
  secret = storedJwtSecret(t.dataDir);
});
after(() => t?.close());

test('the access matrix in ACCESS.md holds for every route and caller', async () => {
  const rows = readMatrix();
  assert.ok(rows.length >= 30, `matrix has ${rows.length} rows`);
  const failures: string[] = [];
  for (const row of rows) {
    for (const column of COLUMNS) {
      // Only a request that succeeds changes anything: those get a fresh fixture of their own.
      const mutates = row.method !== 'GET' && row.expected[column] < 300;
      const f = mutates ? await roomFixture(t.app) : shared;
      const caller = {
        anonymous: undefined,
        'bad token': undefined,
        'other user': f.otherUser,
        guest: f.guest,
        member: f.member,
        owner: f.owner,
      }[column];
      const url = resolvePath(row.path, f, caller?.id);
      const payload = bodyFor(row, f);
      const tokens: [string, string | undefined][] =
        column === 'bad token' ? Object.entries(badTokens(f.member, secret, f.owner.id)) : [[column, caller?.token]];
      for (const [label, token] of tokens) {
        const response = await t.app.inject({
          method: row.method as 'GET',
          url,
          headers: token ? { authorization: `Bearer ${token}` } : {},
          ...(payload ? { payload } : {}),
        });
        if (response.statusCode !== row.expected[column]) {
          failures.push(
            `${row.method} ${row.path}${row.variant ? ` (${row.variant})` : ''} as ${label}: expected ${row.expected[column]}, got ${response.statusCode} ${response.body.slice(0, 120)}`,
          );
        }
      }
    }
  }
  assert.deepEqual(failures, []);
});

test('every /api route the app serves is in ACCESS.md', () => {
  const documented = fs.readFileSync(ACCESS_MD, 'utf8');
  const served: string[] = [];
  // printRoutes draws a tree: each line's depth is its indentation / 4, its path the parent's plus its segment.
  const stack: string[] = [];
  for (const line of t.app.printRoutes({ commonPrefix: false }).split('\n')) {
    const match = /^([│ ]*)[├└]── (\S+) \(([^)]+)\)/.exec(line);
    if (!match) continue;
    const depth = match[1]!.length / 4;
    stack.length = depth;
    const full = (stack[depth - 1] ?? '') + match[2]!;
    stack.push(full);
    if (!full.startsWith('/api/')) continue;
    for (const method of match[3]!.split(', ')) {
      if (method === 'HEAD') continue;
      served.push(`| ${method} | ${full.replace(/\/$/, '').replace(/:[A-Za-z]+/g, ':')}`);
    }
  }
  const unique = [...new Set(served)];
  assert.ok(unique.length >= 24, `found ${unique.length} /api routes: ${unique.join(', ')}`);
  // Compare with placeholders erased: ":roomId" in the app is ":roomId"/":closedRoomId"/… in the doc.
  const normalisedDoc = documented.replace(/:[A-Za-z]+/g, ':');
  const missing = unique.filter(
    (s) => !normalisedDoc.includes(`${s} |`) && !normalisedDoc.includes(`${s}?`) && !normalisedDoc.includes(`${s} (`),
  );
  assert.deepEqual(missing, []);
});

test("a user never sees another user's history or settings", async () => {
  const f = await roomFixture(t.app);
  const db = t.app.services.database.db;
  const { emotionSamples } = await import('../../sql/schema.js');
  await db.insert(emotionSamples).values({
    userId: f.member.id,
    participantId: 'p1',
    roomId: f.roomId,
    at: new Date(),
    fused: [0, 0, 0, 1, 0, 0, 0],
    emotion: 'happy',
    valence: 0.8,
    arousal: 0.5,
    confidence: 0.9,
    weights: { face: 0.6, voice: 0.4 },
  });
  await t.app.inject({
    method: 'PUT',
    url: '/api/me/settings',
    headers: { authorization: `Bearer ${f.member.token}` },
    payload: { strategy: 'lift' },
  });
  const mine = (await t.app.inject({ url: '/api/me/history', headers: { authorization: `Bearer ${f.member.token}` } })).json();
  const theirs = (await t.app.inject({ url: '/api/me/history', headers: { authorization: `Bearer ${f.otherUser.token}` } })).json();
  assert.equal(mine.buckets[0].samples, 1);
  assert.deepEqual(theirs.buckets, []);
  const otherSettings = (await t.app.inject({ url: '/api/me/settings', headers: { authorization: `Bearer ${f.otherUser.token}` } })).json();
  assert.equal(otherSettings.strategy, 'match');
});
