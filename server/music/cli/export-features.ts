/**
 * Exports the importer's feature vectors for a 4Q-style directory (labels.csv with file and
 * quadrant columns), one JSON object per line, for models/music/train.py.
 *   node --import tsx server/music/cli/export-features.ts ../shared/data/music OUT.jsonl
 */
import fs from 'node:fs';
import path from 'node:path';
import { analyseFile } from '../analyse.js';
import { readLabelledDirectory } from '../labelled-directory.js';

const [dir, out] = process.argv.slice(2);
if (!dir || !out) {
  console.error('usage: export-features.ts DIR OUT.jsonl');
  process.exit(2);
}
const items = readLabelledDirectory(dir);
const lines: string[] = [];
for (const [i, item] of items.entries()) {
  const { features, decoded } = await analyseFile(item.path);
  lines.push(JSON.stringify({ file: item.file, quadrant: item.quadrant, group: item.group, duration: decoded.durationS, vector: features.vector }));
  process.stderr.write(`\r${i + 1}/${items.length} ${path.basename(item.file)}   `);
}
fs.writeFileSync(out, lines.join('\n') + '\n');
process.stderr.write(`\nwrote ${lines.length} rows to ${out}\n`);
