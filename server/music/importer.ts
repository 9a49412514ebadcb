/**
 * Imports audio files into the library: decode and measure each one (analyse.ts), estimate its
 * mood, apply sidecar overrides, and store track + features in one transaction. One file at a
 * time and one row per file, so an interrupted import resumes where it stopped (files already
 * stored with the same size and mtime are skipped), a corrupt file costs only itself, and the
 * same audio under another name is reported as a duplicate.
 */
import fs from 'node:fs';
import path from 'node:path';

import { eq } from 'drizzle-orm';

import { trackFeatures, tracks } from '../../sql/schema.js';
import type { Db } from '../database.js';
import { type AnalysedAudio, analyseFile } from './analyse.js';
import { readSidecar, type SidecarEntry } from './sidecar.js';
import { MusicMoodModel, type Quadrant, QUADRANT_EMOTION } from './valence-arousal.js';

export const AUDIO_EXTENSIONS = ['.mp3', '.ogg', '.opus', '.flac', '.wav', '.m4a'];

export type ImportOutcome =
  | { file: string; status: 'imported'; trackId: string; title: string }
  | { file: string; status: 'unchanged' }
  | { file: string; status: 'duplicate'; duplicateOf: string }
  | { file: string; status: 'failed'; error: string };

export interface ImportSummary {
  total: number;
  imported: number;
  unchanged: number;
  duplicates: number;
  failed: number;
  outcomes: ImportOutcome[];
}

export interface ImportOptions {
  /** 'bundled' | 'import' | 'upload' */
  origin: string;
  license?: string;
  attribution?: string;
  model?: MusicMoodModel;
  onProgress?: (done: number, total: number, outcome: ImportOutcome) => void;
  /** Checked between files: a shutting-down server stops after the current one. */
  signal?: AbortSignal;
  /** How to decode + measure a file; the server passes its worker thread (analysis-worker.ts). */
  analyse?: (file: string) => Promise<AnalysedAudio>;
}

/** Audio files under dir (recursively), in a stable order. */
export function listAudioFiles(dir: string): string[] {
  const stat = fs.statSync(dir, { throwIfNoEntry: false });
  if (!stat?.isDirectory()) throw new Error(`${dir} is not a directory`);
  const found: string[] = [];
  const walk = (d: string) => {
    for (const entry of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = path.join(d, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (entry.isFile() && AUDIO_EXTENSIONS.includes(path.extname(entry.name).toLowerCase())) found.push(path.resolve(p));
    }
  };
  walk(dir);
  return found;
}

export async function importDirectory(db: Db, dir: string, options: ImportOptions): Promise<ImportSummary> {
  const sidecar = readSidecar(dir);
  return importFiles(db, listAudioFiles(dir), options, sidecar);
}

export async function importFiles(
  db: Db,
  files: string[],
  options: ImportOptions,
  sidecar = new Map<string, SidecarEntry>(),
): Promise<ImportSummary> {
  const model = options.model ?? MusicMoodModel.load();
  const summary: ImportSummary = { total: files.length, imported: 0, unchanged: 0, duplicates: 0, failed: 0, outcomes: [] };
  for (const [i, file] of files.entries()) {
    if (options.signal?.aborted) break;
    let outcome: ImportOutcome;
    try {
      outcome = await importOne(db, path.resolve(file), options, model, sidecar.get(path.resolve(file)));
    } catch (err) {
      outcome = { file, status: 'failed', error: (err as Error).message };
    }
    summary.outcomes.push(outcome);
    if (outcome.status === 'imported') summary.imported++;
    else if (outcome.status === 'unchanged') summary.unchanged++;
    else if (outcome.status === 'duplicate') summary.duplicates++;
    else summary.failed++;
    options.onProgress?.(i + 1, files.length, outcome);
  }
  return summary;
}

async function importOne(
  db: Db,
  file: string,
  options: ImportOptions,
  model: MusicMoodModel,
  override: SidecarEntry | undefined,
): Promise<ImportOutcome> {
  const stat = fs.statSync(file);
  const [existing] = await db
    .select({ id: tracks.id, fileSize: tracks.fileSize, fileMtimeMs: tracks.fileMtimeMs, modelVersion: trackFeatures.modelVersion })
    .from(tracks)
    .leftJoin(trackFeatures, eq(trackFeatures.trackId, tracks.id))
    .where(eq(tracks.filePath, file));
  // A file measured by an older mood model is measured again, so an upgrade re-estimates the library.
  const current = existing?.modelVersion === model.version;
  if (existing && current && existing.fileSize === stat.size && existing.fileMtimeMs === stat.mtimeMs) return { file, status: 'unchanged' };

  const { decoded, features, moodWindows } = await (options.analyse ?? analyseFile)(file);
  const [duplicate] = await db.select({ filePath: tracks.filePath }).from(tracks).where(eq(tracks.audioHash, decoded.audioHash));
  if (duplicate && duplicate.filePath !== file) return { file, status: 'duplicate', duplicateOf: duplicate.filePath };

  const estimate = model.estimateWindows(moodWindows);
  const sidecarMood = override?.valence !== undefined && override.arousal !== undefined;
  const valence = sidecarMood ? override.valence! : estimate.valence;
  const arousal = sidecarMood ? override.arousal! : estimate.arousal;
  const emotion = override?.emotion ?? (sidecarMood ? QUADRANT_EMOTION[quadrantOf(valence, arousal)] : estimate.emotion);
  const title = override?.title ?? decoded.tags.title ?? titleFromFileName(file);

  const trackId = await db.transaction(async (tx) => {
    // A changed file (or one re-imported after its hash row vanished) replaces its old row.
    await tx.delete(tracks).where(eq(tracks.filePath, file));
    const [row] = await tx
      .insert(tracks)
      .values({
        filePath: file,
        audioHash: decoded.audioHash,
        fileSize: stat.size,
        fileMtimeMs: stat.mtimeMs,
        title,
        artist: override?.artist ?? decoded.tags.artist ?? null,
        album: override?.album ?? decoded.tags.album ?? null,
        durationS: decoded.durationS,
        origin: options.origin,
        license: override?.license ?? options.license ?? null,
        attribution: override?.attribution ?? options.attribution ?? null,
        tags: override?.tags ?? [],
      })
      .returning({ id: tracks.id });
    await tx.insert(trackFeatures).values({
      trackId: row!.id,
      bpm: features.bpm,
      key: features.key,
      mode: features.mode,
      keyConfidence: features.keyConfidence,
      loudnessLufs: decoded.loudnessLufs,
      energy: features.energy,
      spectralCentroidHz: features.spectralCentroidHz,
      valence,
      arousal,
      emotion,
      moodSource: sidecarMood || override?.emotion ? 'sidecar' : 'model',
      modelVersion: model.version,
      vector: features.vector,
    });
    return row!.id;
  });
  return { file, status: 'imported', trackId, title };
}

function quadrantOf(valence: number, arousal: number): Quadrant {
  if (arousal >= 0) return valence >= 0 ? 'Q1' : 'Q2';
  return valence >= 0 ? 'Q4' : 'Q3';
}

function titleFromFileName(file: string): string {
  return path.basename(file, path.extname(file)).replace(/[_-]+/g, ' ').trim() || path.basename(file);
}
