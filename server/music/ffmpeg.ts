/**
 * Which ffmpeg the importer runs: FFMPEG_BIN when set, ffmpeg-static's binary when its download
 * worked, Debian's /usr/bin/ffmpeg otherwise (scripts/setup.sh makes sure one exists).
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';

export function resolveFfmpeg(): string {
  if (process.env.FFMPEG_BIN) return process.env.FFMPEG_BIN;
  try {
    const staticPath = createRequire(import.meta.url)('ffmpeg-static') as string | null;
    if (staticPath && fs.existsSync(staticPath)) return staticPath;
  } catch {
    /* ffmpeg-static not installed or no binary for this platform */
  }
  return '/usr/bin/ffmpeg';
}
