/**
 * The default library: freely licensed music from Debian packages (installed by
 * scripts/setup.sh), imported at server start when the tracks table is empty. Each source names
 * its package, licence and per-file authors, from the package's debian/copyright.
 */
import fs from 'node:fs';
import path from 'node:path';

import type { SidecarEntry } from './sidecar.js';

export interface BundledSource {
  debianPackage: string;
  dir: string;
  license: string;
  licenseUrl: string;
  /** Author of a file (by its name), as debian/copyright states it. */
  authorOf: (fileName: string) => string;
  work: string;
}

export const BUNDLED_SOURCES: readonly BundledSource[] = [
  {
    debianPackage: 'singularity-music',
    dir: '/usr/share/games/singularity/music',
    license: 'CC BY-SA 3.0',
    licenseUrl: 'https://creativecommons.org/licenses/by-sa/3.0/',
    authorOf: () => 'Max McCracken',
    work: 'Endgame: Singularity soundtrack',
  },
  {
    debianPackage: 'hyperrogue-music',
    dir: '/usr/share/hyperrogue/music',
    license: 'CC BY-SA 3.0',
    licenseUrl: 'https://creativecommons.org/licenses/by-sa/3.0/',
    authorOf: (name) => (name.startsWith('hr-domina') ? 'Lincoln Domina' : name.startsWith('hr-savino') ? 'Will Savino' : 'Shawn Parrotte'),
    work: 'HyperRogue soundtrack',
  },
];

/** The sources whose package is installed. */
export function installedSources(): BundledSource[] {
  return BUNDLED_SOURCES.filter((s) => fs.existsSync(s.dir));
}

/** Per-file licence and attribution lines for the importer (the UI shows them; CC BY-SA requires them). */
export function attributionEntries(source: BundledSource, files: readonly string[]): Map<string, SidecarEntry> {
  return new Map(
    files.map((file) => {
      const author = source.authorOf(path.basename(file));
      return [
        path.resolve(file),
        {
          artist: author,
          license: source.license,
          attribution: `${author}, ${source.work} (Debian package ${source.debianPackage}), ${source.license} ${source.licenseUrl}`,
        },
      ];
    }),
  );
}
