/**
 * Real PostgreSQL for tests: DATABASE_URL (set by .ci/run) or the local server's default.
 * Each test gets its own scratch database, so migrations really run from zero.
 */
import assert from 'node:assert/strict';

import postgres from 'postgres';

import { TcpProxy } from './tcp-proxy.js';

export const POSTGRES_URL = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';

export async function postgresReachable(): Promise<boolean> {
  const sql = postgres(POSTGRES_URL, { max: 1, connect_timeout: 2, onnotice: () => {} });
  try {
    await sql`select 1`;
    return true;
  } catch {
    return false;
  } finally {
    await sql.end({ timeout: 1 });
  }
}

export interface ScratchDatabase {
  url: string;
  drop(): Promise<void>;
}

export async function createScratchDatabase(): Promise<ScratchDatabase> {
  const name = `moodify_t_${Date.now()}_${Math.floor(Math.random() * 1e6)}`;
  const admin = postgres(POSTGRES_URL, { max: 1, onnotice: () => {} });
  await admin.unsafe(`CREATE DATABASE ${name}`);
  const url = new URL(POSTGRES_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end({ timeout: 2 });
    },
  };
}

/** A scratch database the app reaches through a TcpProxy: the test takes PostgreSQL away and brings it back. */
export interface PostgresBehindProxy {
  /** The scratch database's URL through the proxy (the app's DATABASE_URL). */
  url: string;
  proxy: TcpProxy;
  /** Lets held bytes go, stops the proxy and drops the database. */
  close(): Promise<void>;
}

/**
 * The set-up of every PostgreSQL-outage test: a scratch database behind a started proxy. Without
 * a reachable PostgreSQL the test is skipped (null; in CI it fails instead).
 */
export async function postgresBehindProxy(t: { skip(message?: string): void }): Promise<PostgresBehindProxy | null> {
  if (!(await postgresReachable())) {
    if (process.env.CI) assert.fail('PostgreSQL must be reachable in CI');
    t.skip('no PostgreSQL reachable at DATABASE_URL or 127.0.0.1:5432');
    return null;
  }
  const scratch = await createScratchDatabase();
  const proxy = new TcpProxy(new URL(scratch.url));
  await proxy.start();
  return {
    url: proxy.urlFor(scratch.url),
    proxy,
    async close() {
      proxy.resume();
      await proxy.stop();
      await scratch.drop();
    },
  };
}
