/**
 * Looks for raw camera frames or microphone PCM where none may be: files under DATA_DIR and
 * values in every table. For the privacy promise "raw media are never written to disk or to the
 * database"; run it after a session that captured media.
 *
 * Files: anything with an image/video/audio container signature, and any file over 1 MiB that
 * is not a known kind (raw frames and PCM have no header). The embedded database directory is
 * checked through SQL instead, and the music library (audio on purpose) is skipped.
 * Tables: any bytea value, and any text/json value over 16 KiB (a single 320×240 frame is 230 KB
 * raw; emotion probabilities are a few dozen bytes).
 */
import fs from 'node:fs';
import path from 'node:path';

import { sql } from 'drizzle-orm';

import { rowsOf } from '../../server/accounts/db-rows.js';
import type { Db } from '../../server/database.js';

export interface RawMediaFinding {
  where: string;
  why: string;
}

const SKIP_DIRS = new Set(['pglite', 'library']);
const LARGE_FILE = 1024 * 1024;
const LARGE_VALUE = 16 * 1024;

const SIGNATURES: { name: string; test: (b: Buffer) => boolean }[] = [
  { name: 'WAV', test: (b) => b.subarray(0, 4).toString('latin1') === 'RIFF' && b.subarray(8, 12).toString('latin1') === 'WAVE' },
  { name: 'Y4M video', test: (b) => b.subarray(0, 9).toString('latin1') === 'YUV4MPEG2' },
  { name: 'JPEG', test: (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff },
  { name: 'PNG', test: (b) => b.subarray(0, 4).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47])) },
  { name: 'WebM/Matroska', test: (b) => b.subarray(0, 4).equals(Buffer.from([0x1a, 0x45, 0xdf, 0xa3])) },
  { name: 'Ogg', test: (b) => b.subarray(0, 4).toString('latin1') === 'OggS' },
  { name: 'FLAC', test: (b) => b.subarray(0, 4).toString('latin1') === 'fLaC' },
  { name: 'MP4/MOV', test: (b) => b.subarray(4, 8).toString('latin1') === 'ftyp' },
  { name: 'MPEG-TS', test: (b) => b.length >= 377 && b[0] === 0x47 && b[188] === 0x47 && b[376] === 0x47 },
  { name: 'MP3', test: (b) => b.subarray(0, 3).toString('latin1') === 'ID3' || (b[0] === 0xff && (b[1]! & 0xe0) === 0xe0) },
];

export function scanFilesForRawMedia(dataDir: string): RawMediaFinding[] {
  const findings: RawMediaFinding[] = [];
  const walk = (dir: string, depth: number) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!(depth === 0 && SKIP_DIRS.has(entry.name))) walk(full, depth + 1);
        continue;
      }
      if (!entry.isFile()) continue;
      const size = fs.statSync(full).size;
      const fd = fs.openSync(full, 'r');
      const head = Buffer.alloc(Math.min(size, 512));
      fs.readSync(fd, head, 0, head.length, 0);
      fs.closeSync(fd);
      const kind = SIGNATURES.find((s) => s.test(head));
      const where = path.relative(dataDir, full);
      if (kind) findings.push({ where, why: `${kind.name} file (${size} bytes)` });
      else if (size > LARGE_FILE)
        findings.push({ where, why: `large file of unknown kind (${size} bytes): raw frames or PCM have no header` });
    }
  };
  if (fs.existsSync(dataDir)) walk(dataDir, 0);
  return findings;
}

export async function scanTablesForRawMedia(db: Db): Promise<RawMediaFinding[]> {
  const columns = rowsOf<{ table_name: string; column_name: string; data_type: string }>(
    await db.execute(sql`
      select c.table_name, c.column_name, c.data_type from information_schema.columns c
      join information_schema.tables t on t.table_schema = c.table_schema and t.table_name = c.table_name and t.table_type = 'BASE TABLE'
      where c.table_schema = 'public' and c.data_type in ('bytea', 'text', 'character varying', 'json', 'jsonb', 'ARRAY')`),
  );
  const findings: RawMediaFinding[] = [];
  for (const { table_name, column_name, data_type } of columns) {
    const column = sql.identifier(column_name);
    const [row] = rowsOf<{ n: number; longest: number | null }>(
      await db.execute(
        sql`select count(${column})::int as n, max(octet_length(${column}::text))::int as longest from ${sql.identifier(table_name)}`,
      ),
    );
    const where = `${table_name}.${column_name}`;
    if (data_type === 'bytea' && row!.n > 0) findings.push({ where, why: `${row!.n} binary value(s)` });
    else if ((row!.longest ?? 0) > LARGE_VALUE) findings.push({ where, why: `a value of ${row!.longest} bytes` });
  }
  return findings;
}
