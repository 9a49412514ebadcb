/**
 * Where a user's personal data lives, so "delete my data" and the retention job reach all of it,
 * including tables other areas add later.
 *
 * Two mechanisms, both needed:
 * - a registry: each area registers the tables holding per-user history (emotion samples, plays,
 *   feedback, …) with the column that names the user and the column that dates a row; these get
 *   deleted on request and expire after RETENTION_DAYS. Registering a table that does not exist
 *   (yet) is harmless: it is skipped.
 * - a sweep: every table in the schema with a uuid/text column named like a user reference
 *   (USER_REFERENCE_COLUMNS) is searched as well, so a table nobody registered is still covered.
 */
import { sql } from 'drizzle-orm';

import type { Db } from '../database.js';
import { rowsOf } from './db-rows.js';

export interface PersonalDataTable {
  /** SQL table name (public schema). */
  table: string;
  /** Column holding the user's id (as uuid or text). */
  userColumn: string;
  /** How the user's id appears in userColumn; default: the id itself. E.g. (id) => `listener:${id}`. */
  userKey?: (userId: string) => string;
  /** Timestamp column dating the row, for retention; omit for rows that never expire. */
  timeColumn?: string;
}

const registry = new Map<string, PersonalDataTable>();

/** Adds (or replaces) a table; key is table + column + key format, so one table may register twice. */
export function registerPersonalData(entry: PersonalDataTable): void {
  registry.set(`${entry.table}.${entry.userColumn}.${entry.userKey?.('') ?? ''}`, entry);
}

export function personalDataTables(): PersonalDataTable[] {
  return [...registry.values()];
}

// The history tables that exist today (sql/tables/mood.ts, sql/tables/music.ts). Plays are made
// for a room ("room:<id>", shared history, not one person's) or for one listener ("listener:<id>").
registerPersonalData({ table: 'emotion_samples', userColumn: 'user_id', timeColumn: 'at' });
registerPersonalData({ table: 'feedback', userColumn: 'user_id', timeColumn: 'created_at' });
// A signed-in listener's likes and skips through the stream routes are keyed "user:<id>" (server/stream/plugin.ts).
registerPersonalData({ table: 'feedback', userColumn: 'user_id', userKey: (id) => `user:${id}`, timeColumn: 'created_at' });
registerPersonalData({ table: 'plays', userColumn: 'session_key', userKey: (id) => `listener:${id}`, timeColumn: 'started_at' });

/** Column names that, wherever they appear, refer to a user. */
export const USER_REFERENCE_COLUMNS = ['user_id', 'owner_id', 'created_by', 'listener_id', 'participant_user_id', 'subject_id'];

/**
 * Account tables this module manages itself: "delete my data" (keeping the account) must not
 * sweep memberships, log-ins or settings; deleting the account removes them through the users
 * row's foreign keys.
 */
const ACCOUNT_TABLES = new Set(['users', 'rooms', 'room_memberships', 'room_invites', 'listener_links', 'refresh_tokens', 'user_settings']);

export async function existingTables(db: Db): Promise<Set<string>> {
  const rows = rowsOf<{ table_name: string }>(
    await db.execute(sql`select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'`),
  );
  return new Set(rows.map((r) => r.table_name));
}

/** Every (table, column) in the schema whose name marks a user reference and whose type can hold an id. */
export async function userReferenceColumns(db: Db): Promise<{ table: string; column: string }[]> {
  const rows = rowsOf<{ table_name: string; column_name: string }>(
    await db.execute(sql`
      select c.table_name, c.column_name
      from information_schema.columns c
      join information_schema.tables t on t.table_schema = c.table_schema and t.table_name = c.table_name and t.table_type = 'BASE TABLE'
      where c.table_schema = 'public'
        and c.column_name in (${sql.join(
          USER_REFERENCE_COLUMNS.map((c) => sql`${c}`),
          sql`, `,
        )})
        and c.data_type in ('uuid', 'text', 'character varying')
      order by c.table_name, c.column_name`),
  );
  return rows.map((r) => ({ table: r.table_name, column: r.column_name }));
}

export interface DeletionReport {
  /** rows deleted per table */
  deleted: Record<string, number>;
}

async function deleteWhere(db: Db, table: string, column: string, value: string, report: DeletionReport): Promise<void> {
  const rows = rowsOf<{ n: number }>(
    await db.execute(
      sql`with gone as (delete from ${sql.identifier(table)} where ${sql.identifier(column)}::text = ${value} returning 1) select count(*)::int as n from gone`,
    ),
  );
  const n = rows[0]?.n ?? 0;
  if (n > 0) report.deleted[table] = (report.deleted[table] ?? 0) + n;
}

/**
 * "Delete my data": every registered history row of the user, and every row of any non-account
 * table that references the user by a user-reference column. The account itself stays.
 */
export async function deleteUserHistory(db: Db, userId: string): Promise<DeletionReport> {
  const report: DeletionReport = { deleted: {} };
  const tables = await existingTables(db);
  for (const entry of personalDataTables()) {
    if (!tables.has(entry.table)) continue;
    await deleteWhere(db, entry.table, entry.userColumn, entry.userKey ? entry.userKey(userId) : userId, report);
  }
  for (const { table, column } of await userReferenceColumns(db)) {
    if (ACCOUNT_TABLES.has(table)) continue;
    await deleteWhere(db, table, column, userId, report);
  }
  return report;
}

/**
 * Deletes the account: its history (above), the rooms it owns (with their memberships, invites
 * and listener links), then the users row, whose foreign keys take memberships elsewhere,
 * refresh tokens and settings along. A last sweep catches account-table references that have no
 * cascading foreign key.
 */
export async function deleteAccount(db: Db, userId: string): Promise<DeletionReport> {
  const report = await deleteUserHistory(db, userId);
  await deleteWhere(db, 'rooms', 'owner_id', userId, report);
  await deleteWhere(db, 'users', 'id', userId, report);
  for (const { table, column } of await userReferenceColumns(db)) {
    await deleteWhere(db, table, column, userId, report);
  }
  return report;
}

/** Deletes registered history older than `days` (and expired log-in/invite secrets). */
export async function enforceRetention(db: Db, days: number, now = new Date()): Promise<DeletionReport> {
  const report: DeletionReport = { deleted: {} };
  const cutoff = new Date(now.getTime() - days * 86_400_000);
  const tables = await existingTables(db);
  const seen = new Set<string>();
  for (const entry of personalDataTables()) {
    if (!entry.timeColumn || !tables.has(entry.table) || seen.has(`${entry.table}.${entry.timeColumn}`)) continue;
    seen.add(`${entry.table}.${entry.timeColumn}`);
    await deleteOlder(db, entry.table, entry.timeColumn, cutoff, report);
  }
  // Secrets past their expiry are useless to their holder and only a liability to keep.
  await deleteOlder(db, 'refresh_tokens', 'expires_at', now, report);
  await deleteOlder(db, 'room_invites', 'expires_at', now, report);
  return report;
}

async function deleteOlder(db: Db, table: string, column: string, cutoff: Date, report: DeletionReport): Promise<void> {
  const rows = rowsOf<{ n: number }>(
    await db.execute(
      sql`with gone as (delete from ${sql.identifier(table)} where ${sql.identifier(column)} < ${cutoff.toISOString()}::timestamptz returning 1) select count(*)::int as n from gone`,
    ),
  );
  const n = rows[0]?.n ?? 0;
  if (n > 0) report.deleted[table] = (report.deleted[table] ?? 0) + n;
}
