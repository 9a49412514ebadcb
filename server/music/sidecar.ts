/**
 * Optional label overrides beside the audio: `library.json` (an array of objects) or
 * `library.csv` (a header row) in the imported directory. Each entry names a `file` (relative to
 * that directory) and may set title, artist, album, license, attribution, emotion, valence,
 * arousal and tags (CSV: separated by `;`). A bad file is an error naming the file and the row.
 */
import fs from 'node:fs';
import path from 'node:path';

import { parseCsv } from './labelled-directory.js';

export interface SidecarEntry {
  title?: string;
  artist?: string;
  album?: string;
  license?: string;
  attribution?: string;
  emotion?: string;
  valence?: number;
  arousal?: number;
  tags?: string[];
}

const TEXT_FIELDS = ['title', 'artist', 'album', 'license', 'attribution', 'emotion'] as const;

/** Overrides by absolute file path. */
export function readSidecar(dir: string): Map<string, SidecarEntry> {
  const entries = new Map<string, SidecarEntry>();
  const jsonPath = path.join(dir, 'library.json');
  const csvPath = path.join(dir, 'library.csv');
  let rows: { source: string; row: Record<string, unknown> }[] = [];
  if (fs.existsSync(jsonPath)) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(fs.readFileSync(jsonPath, 'utf8'));
    } catch (err) {
      throw new Error(`${jsonPath}: not valid JSON (${(err as Error).message})`);
    }
    if (!Array.isArray(parsed)) throw new Error(`${jsonPath}: expected an array of {file, …} objects`);
    rows = parsed.map((row, i) => ({ source: `${jsonPath} item ${i + 1}`, row: row as Record<string, unknown> }));
  } else if (fs.existsSync(csvPath)) {
    const [header, ...body] = parseCsv(fs.readFileSync(csvPath, 'utf8'));
    rows = body.map((r, i) => ({
      source: `${csvPath} row ${i + 2}`,
      row: Object.fromEntries((header ?? []).map((h, j) => [h.trim(), r[j] ?? ''])),
    }));
  }
  for (const { source, row } of rows) {
    const file = row.file;
    if (typeof file !== 'string' || !file) throw new Error(`${source}: "file" is required`);
    const entry: SidecarEntry = {};
    for (const key of TEXT_FIELDS) {
      const v = row[key];
      if (typeof v === 'string' && v.trim()) entry[key] = v.trim();
    }
    for (const key of ['valence', 'arousal'] as const) {
      const v = row[key];
      if (v === undefined || v === '' || v === null) continue;
      const n = Number(v);
      if (!Number.isFinite(n) || n < -1 || n > 1) throw new Error(`${source}: ${key} must be a number in [-1, 1] (got ${String(v)})`);
      entry[key] = n;
    }
    if ((entry.valence === undefined) !== (entry.arousal === undefined))
      throw new Error(`${source}: give both valence and arousal, or neither`);
    const tags = row.tags;
    if (Array.isArray(tags)) entry.tags = tags.map(String);
    else if (typeof tags === 'string' && tags.trim())
      entry.tags = tags
        .split(';')
        .map((t) => t.trim())
        .filter(Boolean);
    entries.set(path.resolve(dir, file), entry);
  }
  return entries;
}
