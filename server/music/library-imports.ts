/**
 * Imports into the library of a running server: uploads (upload-route.ts) and the bundled Debian
 * music (bundled.ts), imported in the background when the library is empty. Both analyse on one
 * worker thread, report one progress (GET /api/music/library) and reload the director's catalogue
 * when done; closing stops an import between two files.
 */
import fs from 'node:fs';
import path from 'node:path';

import type { Db } from '../database.js';
import { AnalysisWorker } from './analysis-worker.js';
import { attributionEntries, type BundledSource } from './bundled.js';
import { countTracks } from './catalog.js';
import type { MusicDirector } from './director.js';
import { importFiles, type ImportSummary, listAudioFiles } from './importer.js';
import type { SidecarEntry } from './sidecar.js';
import { MusicMoodModel } from './valence-arousal.js';

export interface ImportProgress {
  running: boolean;
  /** Files handled since the server started (uploads and bundled). */
  done: number;
  /** Files the bundled import has to handle. */
  total: number;
  lastError: string | undefined;
}

export interface LibraryImportsDeps {
  db: Db;
  director: MusicDirector;
  /** DATA_DIR_ABS: the marker of a finished bundled import lives under library/. */
  dataDir: string;
  log: { info(obj: object, msg: string): void; error(obj: object, msg: string): void };
  /** In a cluster, one node runs a one-off job and the others follow its results (server/cluster/). */
  cluster?: { takeTurnOrFollow(job: string, follow: () => Promise<unknown>): Promise<boolean> } | undefined;
}

export class LibraryImports {
  readonly progress: ImportProgress = { running: false, done: 0, total: 0, lastError: undefined };
  /** The valence/arousal model every import uses (its version is the library's). */
  readonly model = MusicMoodModel.load();
  private readonly worker = new AnalysisWorker();
  private readonly abort = new AbortController();
  /** Written when the bundled import finished: a start after one cut short resumes it. */
  private readonly bundledDone: string;

  constructor(private readonly deps: LibraryImportsDeps) {
    this.bundledDone = path.join(deps.dataDir, 'library', '.bundled-import-complete');
  }

  /** Imports files (analysed on the worker thread) and reloads the catalogue. */
  async importFiles(files: string[], origin: string, sidecar?: Map<string, SidecarEntry>): Promise<ImportSummary> {
    const before = this.progress.done;
    const summary = await importFiles(
      this.deps.db,
      files,
      {
        origin,
        model: this.model,
        analyse: (file) => this.worker.analyse(file),
        signal: this.abort.signal,
        onProgress: (done) => (this.progress.done = before + done),
      },
      sidecar,
    );
    await this.deps.director.reloadCatalog();
    return summary;
  }

  /** Whether the bundled music is due: the library is empty, or a bundled import was cut short (stored files are skipped, so it resumes). */
  async bundledDue(): Promise<boolean> {
    const { db } = this.deps;
    const bundledStarted = !fs.existsSync(this.bundledDone) && (await countTracks(db, 'bundled')) > 0;
    return (await countTracks(db)) === 0 || bundledStarted;
  }

  /** Imports the installed bundled sources; undefined when another node of the cluster does it. */
  async importBundled(sources: readonly BundledSource[]): Promise<ImportSummary | undefined> {
    const { cluster, director, log } = this.deps;
    // In a cluster one node imports; the others pick the tracks up as they land.
    if (cluster && !(await cluster.takeTurnOrFollow('bundled-import', () => director.reloadCatalog()))) return undefined;
    const { progress, abort } = this;
    progress.running = true;
    const all: ImportSummary = { total: 0, imported: 0, unchanged: 0, duplicates: 0, failed: 0, outcomes: [] };
    try {
      for (const source of sources) {
        const files = listAudioFiles(source.dir);
        progress.total += files.length;
        const s = await this.importFiles(files, 'bundled', attributionEntries(source, files));
        for (const k of ['total', 'imported', 'unchanged', 'duplicates', 'failed'] as const) all[k] += s[k];
        all.outcomes.push(...s.outcomes);
      }
      if (abort.signal.aborted) log.info({ imported: all.imported }, 'bundled music import interrupted; it resumes at the next start');
      else {
        fs.mkdirSync(path.dirname(this.bundledDone), { recursive: true });
        fs.writeFileSync(this.bundledDone, new Date().toISOString());
        log.info({ imported: all.imported, failed: all.failed, duplicates: all.duplicates }, 'bundled music library imported');
      }
    } catch (err) {
      progress.lastError = (err as Error).message;
      if (!abort.signal.aborted) log.error({ err: progress.lastError }, 'bundled music import failed');
    } finally {
      progress.running = false;
    }
    return all;
  }

  /** Stops an import after the file in progress, and the worker thread. */
  async close(): Promise<void> {
    this.abort.abort();
    await this.worker.close();
  }
}
