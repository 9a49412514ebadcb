/** Reads the analysed library into the plain objects the recommender scores. */
import { desc, eq, sql } from 'drizzle-orm';

import { trackFeatures, tracks } from '../../sql/schema.js';
import type { Db } from '../database.js';
import type { CatalogTrack } from './recommender.js';

export async function loadCatalog(db: Db): Promise<CatalogTrack[]> {
  const rows = await db
    .select({
      trackId: tracks.id,
      filePath: tracks.filePath,
      title: tracks.title,
      artist: tracks.artist,
      durationS: tracks.durationS,
      loudnessLufs: trackFeatures.loudnessLufs,
      valence: trackFeatures.valence,
      arousal: trackFeatures.arousal,
      bpm: trackFeatures.bpm,
      key: trackFeatures.key,
      mode: trackFeatures.mode,
      emotion: trackFeatures.emotion,
      license: tracks.license,
    })
    .from(tracks)
    .innerJoin(trackFeatures, eq(trackFeatures.trackId, tracks.id))
    .orderBy(desc(tracks.createdAt));
  return rows;
}

export async function countTracks(db: Db, origin?: string): Promise<number> {
  const query = db.select({ n: sql<number>`count(*)::int` }).from(tracks);
  const [row] = await (origin ? query.where(eq(tracks.origin, origin)) : query);
  return Number(row?.n ?? 0);
}
