/**
 * Exports the importer's mood-window feature vectors for a 4Q-style directory (labels.csv with file
 * and quadrant columns), one JSON object per window, for models/music/train.py. Training windows
 * overlap (a 5 s hop, so a 30 s clip gives 5); the importer's are back to back.
 *   node --import tsx server/music/cli/export-features.ts ../shared/data/music OUT.jsonl
 */
import fs from 'node:fs';
import path from 'node:path';

import { analyseFile } from '../analyse.js';
import { readLabelledDirectory } from '../labelled-directory.js';

// The shipped model's windows; MUSIC_WINDOW_S / MUSIC_HOP_S change them for training experiments.
const WINDOW_S = Number(process.env.MUSIC_WINDOW_S ?? 10);
const TRAINING_HOP_S = Number(process.env.MUSIC_HOP_S ?? WINDOW_S / 2);

const [dir, out] = process.argv.slice(2);
if (!dir || !out) {
  console.error('usage: export-features.ts DIR OUT.jsonl');
  process.exit(2);
}
const items = readLabelledDirectory(dir);
const lines: string[] = [];
for (const [i, item] of items.entries()) {
  const { moodWindows, decoded } = await analyseFile(item.path, { moodWindowHopS: TRAINING_HOP_S, moodWindowS: WINDOW_S });
  moodWindows.forEach((vector, window) =>
    lines.push(
      JSON.stringify({ file: item.file, quadrant: item.quadrant, group: item.group, duration: decoded.durationS, window, vector }),
    ),
  );
  process.stderr.write(`\r${i + 1}/${items.length} ${path.basename(item.file)}   `);
}
fs.writeFileSync(out, lines.join('\n') + '\n');
process.stderr.write(`\nwrote ${lines.length} rows to ${out}\n`);
