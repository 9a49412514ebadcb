import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';

import { sql } from 'drizzle-orm';

import { type Database, openDatabase } from '../server/database.js';
import { rooms, users } from '../sql/schema.js';
import { createScratchDatabase, postgresReachable } from './helpers/postgres.js';

async function migrateTwiceAndUse(database: Database): Promise<void> {
  await database.migrate();
  await database.migrate(); // the second run must be a no-op, not an error
  const [owner] = await database.db.insert(users).values({ displayName: 'Ada', email: 'ada@example.org' }).returning();
  await database.db.insert(rooms).values({ slug: 'living-room', name: 'Living room', ownerId: owner!.id });
  const found = await database.db.select().from(rooms);
  assert.equal(found.length, 1);
  assert.equal(found[0]!.ownerId, owner!.id);
  // The case-insensitive unique index on email holds on both engines.
  await assert.rejects(database.db.insert(users).values({ displayName: 'Imposter', email: 'ADA@example.org' }));
  const applied = await database.db.execute(sql`select count(*)::int as n from drizzle.__drizzle_migrations`);
  const rows = (Array.isArray(applied) ? applied : (applied as { rows: unknown[] }).rows) as { n: number }[];
  assert.equal(rows[0]!.n, fs.readdirSync(new URL('../sql/migrations', import.meta.url)).filter((f) => f.endsWith('.sql')).length);
}

test('migrations apply twice without error on embedded PGlite', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'moodify-pglite-'));
  const database = await openDatabase({ dataDir: dir });
  try {
    assert.equal(database.kind, 'pglite');
    await migrateTwiceAndUse(database);
    await database.close();
    // The embedded database keeps its data on disk across restarts.
    const reopened = await openDatabase({ dataDir: dir });
    await reopened.migrate();
    assert.equal((await reopened.db.select().from(rooms)).length, 1);
    await reopened.close();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('migrations apply twice without error on real PostgreSQL', async (t) => {
  if (!(await postgresReachable())) {
    if (process.env.CI) assert.fail('PostgreSQL must be reachable in CI');
    return t.skip('no PostgreSQL reachable at DATABASE_URL or 127.0.0.1:5432');
  }
  const scratch = await createScratchDatabase();
  const database = await openDatabase({ databaseUrl: scratch.url, dataDir: os.tmpdir() });
  try {
    assert.equal(database.kind, 'postgres');
    await migrateTwiceAndUse(database);
  } finally {
    await database.close();
    await scratch.drop();
  }
});
