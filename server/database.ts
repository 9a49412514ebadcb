/**
 * One place that opens the database: a real PostgreSQL server through `postgres` when
 * DATABASE_URL is set, otherwise the embedded PGlite under DATA_DIR. Both get the same drizzle
 * schema and the same migrations, applied at start.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import * as schema from '../sql/schema.js';

export const MIGRATIONS_DIR = fileURLToPath(new URL('../sql/migrations', import.meta.url));

export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;

export interface Database {
  readonly db: Db;
  readonly kind: 'postgres' | 'pglite';
  /** Applies pending migrations; a second run is a no-op. */
  migrate(): Promise<void>;
  /** Resolves when a trivial query answers within `timeoutMs`, rejects otherwise. */
  ping(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  databaseUrl?: string | undefined;
  dataDir: string;
}

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  return options.databaseUrl ? openPostgres(options.databaseUrl) : openPglite(options.dataDir);
}

async function openPostgres(url: string): Promise<Database> {
  const { default: postgres } = await import('postgres');
  const { drizzle } = await import('drizzle-orm/postgres-js');
  const { migrate } = await import('drizzle-orm/postgres-js/migrator');
  const client = postgres(url, {
    max: 10,
    connect_timeout: 3,
    idle_timeout: 30,
    onnotice: () => {}, // "relation already exists, skipping" notices from idempotent migrations
  });
  const db = drizzle(client, { schema });
  return {
    db: db as unknown as Db,
    kind: 'postgres',
    migrate: () => migrate(db, { migrationsFolder: MIGRATIONS_DIR }),
    ping: (timeoutMs) => withTimeout(db.execute(sql`select 1`), timeoutMs),
    close: () => client.end({ timeout: 2 }),
  };
}

async function openPglite(dataDir: string): Promise<Database> {
  const { PGlite } = await import('@electric-sql/pglite');
  const { drizzle } = await import('drizzle-orm/pglite');
  const { migrate } = await import('drizzle-orm/pglite/migrator');
  const dir = path.join(dataDir, 'pglite');
  fs.mkdirSync(dir, { recursive: true });
  const client = await PGlite.create(dir);
  const db = drizzle(client, { schema });
  return {
    db: db as unknown as Db,
    kind: 'pglite',
    migrate: () => migrate(db, { migrationsFolder: MIGRATIONS_DIR }),
    ping: (timeoutMs) => withTimeout(db.execute(sql`select 1`), timeoutMs),
    close: () => client.close(),
  };
}

async function withTimeout(work: Promise<unknown>, timeoutMs = 1500): Promise<void> {
  // A query that loses the race may still reject later; it must not become an unhandled rejection.
  work.catch(() => {});
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`database did not answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
