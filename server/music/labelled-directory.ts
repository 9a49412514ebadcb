/**
 * Reads a directory laid out like ../shared/data/music: labels.csv with at least `file` and
 * `quadrant` (Q1–Q4) columns (an `artist` column, when present, groups folds), paths relative to
 * the directory. Used by the model's feature export and by `npm run eval:music`.
 */
import fs from 'node:fs';
import path from 'node:path';

// The project's one CSV reader (RFC 4180), shared with the model evaluations.
import { parseCsvRows as parseCsv } from '../../models/eval/metrics.js';

export interface LabelledClip {
  file: string;
  path: string;
  quadrant: 'Q1' | 'Q2' | 'Q3' | 'Q4';
  group: string;
}

export function readLabelledDirectory(dir: string): LabelledClip[] {
  const csvPath = path.join(dir, 'labels.csv');
  if (!fs.existsSync(csvPath)) throw new Error(`${csvPath} not found: expected labels.csv with file and quadrant columns`);
  const rows = parseCsv(fs.readFileSync(csvPath, 'utf8'));
  const header = rows.shift() ?? [];
  const col = (name: string) => header.indexOf(name);
  const fileCol = col('file');
  const quadCol = col('quadrant');
  const artistCol = col('artist');
  if (fileCol < 0 || quadCol < 0) throw new Error(`${csvPath} needs "file" and "quadrant" columns`);
  return rows
    .filter((r) => r.length > Math.max(fileCol, quadCol) && r[fileCol])
    .map((r) => {
      const quadrant = r[quadCol]!.trim().toUpperCase();
      if (!/^Q[1-4]$/.test(quadrant)) throw new Error(`${csvPath}: bad quadrant "${quadrant}" for ${r[fileCol]}`);
      return {
        file: r[fileCol]!,
        path: path.join(dir, r[fileCol]!),
        quadrant: quadrant as LabelledClip['quadrant'],
        group: artistCol >= 0 ? (r[artistCol] ?? '') : r[fileCol]!,
      };
    });
}

export { parseCsv };
