/**
 * Searches every table of the public schema, every column that can hold an id (uuid, text,
 * varchar, json, jsonb), for a value: the check that "no row references the user" which holds
 * for tables added later by anyone, registered or not.
 */
import { sql } from 'drizzle-orm';

import { rowsOf } from '../../server/accounts/db-rows.js';
import type { Db } from '../../server/database.js';

export async function rowsReferencing(db: Db, value: string): Promise<{ table: string; column: string; rows: number }[]> {
  const columns = rowsOf<{ table_name: string; column_name: string }>(
    await db.execute(sql`
      select c.table_name, c.column_name from information_schema.columns c
      join information_schema.tables t on t.table_schema = c.table_schema and t.table_name = c.table_name and t.table_type = 'BASE TABLE'
      where c.table_schema = 'public' and c.data_type in ('uuid', 'text', 'character varying', 'json', 'jsonb')`),
  );
  if (columns.length === 0) throw new Error('no columns found: is the schema migrated?');
  const found: { table: string; column: string; rows: number }[] = [];
  for (const { table_name, column_name } of columns) {
    const [row] = rowsOf<{ n: number }>(
      await db.execute(
        sql`select count(*)::int as n from ${sql.identifier(table_name)} where strpos(${sql.identifier(column_name)}::text, ${value}) > 0`,
      ),
    );
    if (row!.n > 0) found.push({ table: table_name, column: column_name, rows: row!.n });
  }
  return found;
}
