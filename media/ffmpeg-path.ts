/**
 * Which ffmpeg to run, for every part that runs one (the media decoders, the music importer, the
 * room stream's decoder and encoder): FFMPEG_BIN when set, ffmpeg-static's binary when its download
 * worked, Debian's /usr/bin/ffmpeg otherwise (scripts/setup.sh makes sure one of them exists).
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';

let resolved: string | undefined;

export function ffmpegPath(): string {
  if (resolved) return resolved;
  if (process.env.FFMPEG_BIN) return (resolved = process.env.FFMPEG_BIN);
  try {
    const staticPath = createRequire(import.meta.url)('ffmpeg-static') as string | null;
    if (staticPath && fs.existsSync(staticPath)) return (resolved = staticPath);
  } catch {
    /* ffmpeg-static not installed or unsupported platform */
  }
  return (resolved = '/usr/bin/ffmpeg');
}
