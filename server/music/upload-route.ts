/**
 * POST /api/music/import: audio files uploaded into the shared catalogue (it plays in every
 * room), so only full accounts may do it, within limits, and nothing an upload leaves behind
 * outlives it. Every part is written under uploads/.incoming/ and moved into uploads/ only once
 * it arrived whole; whatever way the request ends (client abort, a malformed body, a file over the
 * limit, a failed import) the partial and unused files are removed in one `finally`, and files
 * left in .incoming/ by a crash are swept when the server starts.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';

import type { FastifyInstance } from 'fastify';

import { cleanName } from '../accounts/display-names.js';
import { requireAccount } from '../accounts/request-auth.js';
import { scrubPaths } from '../http/errors.js';
import { forbidden, HttpError } from '../http/http-error.js';
import { AUDIO_EXTENSIONS, type ImportSummary } from './importer.js';

/** Files one upload request may carry. */
export const MAX_UPLOAD_FILES = 5;
/** Uploads per client address per minute. */
export const UPLOADS_PER_MINUTE = 10;

export interface UploadRouteOptions {
  uploadDir: string;
  /** Largest file, bytes; a request carries at most twice this in all. */
  maxFileBytes: number;
  importFiles(files: string[]): Promise<ImportSummary>;
}

/** Removes what a crashed or killed upload left in .incoming/ (called once at start). */
export function sweepIncoming(uploadDir: string): number {
  const incoming = path.join(uploadDir, '.incoming');
  let removed = 0;
  for (const entry of fs.existsSync(incoming) ? fs.readdirSync(incoming) : []) {
    fs.rmSync(path.join(incoming, entry), { force: true, recursive: true });
    removed += 1;
  }
  return removed;
}

/** A stored file's name: a uuid, then the client's name cut short and made safe (no path, no long names). */
function storedName(clientName: string, ext: string): string {
  const stem = path
    .basename(clientName, path.extname(clientName))
    .replace(/[^\w.\- ]/g, '_')
    .slice(0, 80);
  return `${crypto.randomUUID()}-${stem || 'upload'}${ext}`;
}

export function uploadRoute(app: FastifyInstance, options: UploadRouteOptions): void {
  const { uploadDir, maxFileBytes } = options;
  const incoming = path.join(uploadDir, '.incoming');
  fs.mkdirSync(incoming, { recursive: true });
  const swept = sweepIncoming(uploadDir);
  if (swept > 0) app.log.info({ files: swept }, 'removed partial uploads left by an earlier run');
  const limitMb = Math.round((maxFileBytes / 1024 / 1024) * 10) / 10;
  const maxTotal = maxFileBytes * 2;

  app.post('/api/music/import', { config: { rateLimit: { max: UPLOADS_PER_MINUTE, timeWindow: '1 minute' } } }, async (request, reply) => {
    const { guest } = await requireAccount(app, request);
    if (guest) throw forbidden('guests cannot add music to the catalogue; sign up first');
    if (!request.isMultipart()) return reply.code(415).send({ error: 'send the audio files as multipart/form-data' });

    const partials = new Set<string>();
    // The write streams, so the clean-up can wait for them: a stream whose body failed early may
    // still be opening its file when the pipeline rejects (seen in CI: a malformed upload's empty
    // .incoming file created after the clean-up had run).
    const writers = new Set<fs.WriteStream>();
    const saved: string[] = [];
    const shown = new Map<string, string>();
    const rejected: { file: string; error: string }[] = [];
    let kept = new Set<string>();
    let total = 0;
    let receiving = true;
    let current = 'a file';
    try {
      let parts;
      try {
        parts = request.files({ limits: { fileSize: maxFileBytes, files: MAX_UPLOAD_FILES, fields: 10 } });
      } catch {
        throw new HttpError(400, 'the multipart body could not be read');
      }
      for await (const part of parts) {
        const name = cleanName(path.basename(part.filename || 'upload'), 120) || 'upload';
        current = name;
        const ext = path.extname(name).toLowerCase();
        if (!AUDIO_EXTENSIONS.includes(ext)) {
          part.file.resume();
          rejected.push({
            file: name,
            error: `unsupported file type "${ext.slice(0, 10) || 'none'}" (accepted: ${AUDIO_EXTENSIONS.join(', ')})`,
          });
          continue;
        }
        const stored = storedName(name, ext);
        const partial = path.join(incoming, stored);
        partials.add(partial);
        part.file.on('data', (chunk: Buffer) => {
          total += chunk.length;
          if (total > maxTotal)
            part.file.destroy(new HttpError(413, `an upload carries at most ${Math.round(maxTotal / 1024 / 1024)} MB in all`));
        });
        const writer = fs.createWriteStream(partial);
        writers.add(writer);
        await pipeline(part.file, writer);
        if (part.file.truncated) {
          rejected.push({ file: name, error: `larger than the ${limitMb} MB upload limit` });
          continue;
        }
        const target = path.join(uploadDir, stored);
        fs.renameSync(partial, target);
        partials.delete(partial);
        saved.push(target);
        shown.set(target, name);
      }
      receiving = false;
      if (saved.length === 0)
        return reply
          .code(400)
          .send({ error: rejected.length ? 'no supported audio file in the upload' : 'no file in the upload', rejected });
      const summary = await options.importFiles(saved);
      kept = new Set(summary.outcomes.filter((o) => o.status === 'imported').map((o) => o.file));
      const label = (file: string) => shown.get(file) ?? path.basename(file).replace(/^[0-9a-f-]{36}-/, '');
      // A decoder's message names the stored file: show the client's name and no directory.
      const failed = summary.outcomes.flatMap((o) =>
        o.status === 'failed' ? [{ file: label(o.file), error: scrubPaths(o.error.split(o.file).join(label(o.file))) }] : [],
      );
      const { outcomes: _o, ...counts } = summary;
      return reply.code(summary.imported > 0 ? 201 : 422).send({
        ...counts,
        tracks: summary.outcomes.flatMap((o) => (o.status === 'imported' ? [{ trackId: o.trackId, title: o.title }] : [])),
        duplicates: summary.outcomes.flatMap((o) => (o.status === 'duplicate' ? [label(o.file)] : [])),
        failed: [...failed, ...rejected],
      });
    } catch (err) {
      const e = err as { code?: string; statusCode?: number };
      if (err instanceof HttpError || !receiving) throw err;
      if (e.code === 'FST_REQ_FILE_TOO_LARGE')
        throw new HttpError(413, `${current} is larger than the ${limitMb} MB upload limit (MUSIC_MAX_UPLOAD_MB)`);
      if (e.code === 'FST_FILES_LIMIT') throw new HttpError(413, `at most ${MAX_UPLOAD_FILES} files per upload`);
      if (e.code === 'FST_PARTS_LIMIT' || e.code === 'FST_FIELDS_LIMIT') throw new HttpError(413, 'too many parts in the upload');
      // Busboy's "Unexpected end of form", "Malformed part header", an aborted body: the request's fault.
      if (request.raw.destroyed || request.raw.aborted) throw new HttpError(400, 'the upload was interrupted');
      throw new HttpError(400, 'the multipart body is malformed');
    } finally {
      // Every exit path: partial files, and files that did not become tracks, are removed, once
      // every write stream has closed its file.
      await Promise.all([...writers].map((w) => (w.closed ? undefined : new Promise<void>((resolve) => w.once('close', () => resolve())))));
      for (const file of partials) fs.rmSync(file, { force: true });
      for (const file of saved) if (!kept.has(file)) fs.rmSync(file, { force: true });
    }
  });
}
