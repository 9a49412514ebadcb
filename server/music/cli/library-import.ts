/**
 * `npm run library:import -- DIR [--license TEXT] [--attribution TEXT]`
 * Imports every audio file under DIR into the database the server uses (DATABASE_URL, or the
 * embedded one under DATA_DIR; the embedded one allows one process at a time, so stop the
 * server or upload through POST /api/music/import instead). Re-running resumes: files already
 * imported are skipped. Exit code 1 when a file failed (the others are imported all the same).
 */
import path from 'node:path';
import { parseArgs } from 'node:util';

import { loadConfig } from '../../config.js';
import { openDatabase } from '../../database.js';
import { importDirectory, type ImportOutcome } from '../importer.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { license: { type: 'string' }, attribution: { type: 'string' }, origin: { type: 'string', default: 'import' } },
});
const dir = positionals[0];
if (!dir) {
  console.error('usage: npm run library:import -- DIR [--license TEXT] [--attribution TEXT]');
  process.exit(2);
}

const config = loadConfig();
const database = await openDatabase({ databaseUrl: config.DATABASE_URL, dataDir: config.DATA_DIR_ABS });
await database.migrate();
const started = Date.now();
try {
  const summary = await importDirectory(database.db, dir, {
    origin: values.origin!,
    ...(values.license ? { license: values.license } : {}),
    ...(values.attribution ? { attribution: values.attribution } : {}),
    onProgress: progress,
  });
  process.stderr.write('\n');
  for (const o of summary.outcomes) if (o.status === 'failed') console.error(`skipped ${o.file}: ${o.error}`);
  for (const o of summary.outcomes) if (o.status === 'duplicate') console.error(`duplicate ${o.file} (same audio as ${o.duplicateOf})`);
  const { outcomes: _o, ...counts } = summary;
  console.log(JSON.stringify({ ...counts, seconds: Math.round((Date.now() - started) / 100) / 10 }));
  process.exitCode = summary.failed > 0 ? 1 : 0;
} finally {
  await database.close();
}

/** A one-line progress bar on a terminal, one line per file otherwise (logs, CI). */
function progress(done: number, total: number, outcome: ImportOutcome): void {
  const name = path.basename(outcome.file);
  if (process.stderr.isTTY) {
    const width = 30;
    const filled = Math.round((done / total) * width);
    const line = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} ${outcome.status.padEnd(9)} ${name}`;
    process.stderr.write(`\r${line.slice(0, (process.stderr.columns || 100) - 1).padEnd((process.stderr.columns || 100) - 1)}`);
  } else {
    process.stderr.write(`${done}/${total} ${outcome.status} ${name}\n`);
  }
}
