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
import type { Sql } from 'postgres';

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
  /** PostgreSQL: the most a query (including its wait for a connection) or a transaction may take. */
  queryTimeoutMs?: number | undefined;
}

export const DEFAULT_QUERY_TIMEOUT_MS = 4000;

/** A query that missed its deadline: the error mapper answers 503 for it (code DATABASE_TIMEOUT). */
export class DatabaseTimeoutError extends Error {
  readonly code = 'DATABASE_TIMEOUT';
  constructor(timeoutMs: number) {
    super(`the database did not answer within ${timeoutMs} ms`);
    this.name = 'DatabaseTimeoutError';
  }
}

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  return options.databaseUrl
    ? openPostgres(options.databaseUrl, options.queryTimeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS)
    : openPglite(options.dataDir);
}

async function openPostgres(url: string, queryTimeoutMs: number): Promise<Database> {
  const { default: postgres } = await import('postgres');
  const { drizzle } = await import('drizzle-orm/postgres-js');
  const { migrate } = await import('drizzle-orm/postgres-js/migrator');
  const client = postgres(url, {
    max: 10,
    connect_timeout: 3,
    idle_timeout: 30,
    // The server gives up too, so a slow statement does not hold a connection after we stopped waiting.
    connection: { statement_timeout: queryTimeoutMs },
    onnotice: () => {}, // "relation already exists, skipping" notices from idempotent migrations
  });
  // The app's queries run under the deadline; migrations (run once, at start, maybe on a cold server) do not.
  const db = drizzle(withDeadlines(client, queryTimeoutMs), { schema });
  const migrationDb = drizzle(client, { schema });
  return {
    db: db as unknown as Db,
    kind: 'postgres',
    migrate: () => migrate(migrationDb, { migrationsFolder: MIGRATIONS_DIR }),
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

type PostgresClient = Sql;
type PendingQuery = ReturnType<PostgresClient['unsafe']>;

/**
 * postgres-js has no client-side timeout: on a connection that goes silent (no RST: a dead
 * NAT entry, a partitioned network) a query waits for TCP to give up, minutes later. Every
 * query drizzle sends (`unsafe`) and every transaction (`begin`) gets a deadline here; a query
 * that misses it is cancelled and its caller gets a DatabaseTimeoutError (503) at once. The
 * connection it held is left to postgres-js, which reuses it if the network comes back.
 */
function withDeadlines(client: PostgresClient, timeoutMs: number): PostgresClient {
  const unsafe = (...args: Parameters<PostgresClient['unsafe']>) => {
    const query = client.unsafe(...args);
    let settled: Promise<unknown> | undefined;
    const run = () => (settled ??= deadline(query, timeoutMs, () => void query.cancel()));
    const timed = {
      values() {
        query.values();
        return timed;
      },
      then: (resolve?: (value: unknown) => unknown, reject?: (reason: unknown) => unknown) => run().then(resolve, reject),
      catch: (reject: (reason: unknown) => unknown) => run().catch(reject),
      finally: (fn: () => void) => run().finally(fn),
    };
    return timed as unknown as PendingQuery;
  };
  const begin = (...args: unknown[]) => deadline((client.begin as (...a: unknown[]) => Promise<unknown>)(...args), timeoutMs);
  return new Proxy(client, {
    get(target, property, receiver) {
      if (property === 'unsafe') return unsafe;
      if (property === 'begin') return begin;
      return Reflect.get(target, property, receiver);
    },
  });
}

async function deadline<T>(work: PromiseLike<T>, timeoutMs: number, onTimeout?: () => void): Promise<T> {
  const promise = Promise.resolve(work);
  promise.catch(() => {}); // the loser of the race may reject later
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      onTimeout?.();
      reject(new DatabaseTimeoutError(timeoutMs));
    }, timeoutMs);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
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
