/**
 * The music library over HTTP:
 *   GET  /api/music/tracks      the analysed library (with licence and attribution per track)
 *   GET  /api/music/library     counts, import progress, credits for the bundled music
 *   POST /api/music/import      multipart upload of audio files (signed in), imported at once (upload-route.ts)
 *   PUT  /api/music/rooms/:roomId/strategy   match | lift | calm
 *   POST /api/music/rooms/:roomId/queue, PUT|DELETE …/destination   steering (steering-routes.ts)
 *   GET  /api/music/search      mood-playlist search (words or a point on the plane; signed in)
 * A plugin of its own (not fastify-plugin): the multipart parser and the error handler that
 * answers an unknown track with 404 apply to these routes only.
 */
import fs from 'node:fs';

import multipart from '@fastify/multipart';
import { type Static, Type } from '@sinclair/typebox';
import { eq } from 'drizzle-orm';
import type { FastifyPluginAsync } from 'fastify';

import { trackFeatures, tracks } from '../../sql/schema.js';
import { requireAccount } from '../accounts/request-auth.js';
import { requireRoomRole } from '../accounts/room-access.js';
import type { Db } from '../database.js';
import { conflict } from '../http/http-error.js';
import { ROOM_ID_PATTERN } from '../rooms/room-id.js';
import { BUNDLED_SOURCES } from './bundled.js';
import { countTracks } from './catalog.js';
import { type MusicDirector, roomSession, UnknownTrackError } from './director.js';
import type { LibraryImports } from './library-imports.js';
import { STRATEGIES, type Strategy } from './recommender.js';
import type { RoomMusic } from './room-music.js';
import { SearchInputError, searchTracks } from './search.js';
import { steeringRoutes } from './steering-routes.js';
import { MAX_UPLOAD_FILES, uploadRoute } from './upload-route.js';

export interface MusicRoutesOptions {
  director: MusicDirector;
  roomMusic: RoomMusic;
  imports: LibraryImports;
  /** Largest accepted upload per file, bytes (MUSIC_MAX_UPLOAD_MB). */
  maxUploadBytes: number;
  /** Where uploads are stored (under DATA_DIR). */
  uploadDir: string;
}

export const SearchQuery = Type.Object(
  {
    q: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    valence: Type.Optional(Type.Number({ minimum: -1, maximum: 1 })),
    arousal: Type.Optional(Type.Number({ minimum: -1, maximum: 1 })),
    limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
  },
  { additionalProperties: false },
);

export const musicRoutes: FastifyPluginAsync<MusicRoutesOptions> = async (
  app,
  { director, roomMusic, imports, maxUploadBytes, uploadDir },
) => {
  const db = app.services.database.db;
  await app.register(multipart, { limits: { fileSize: maxUploadBytes, files: MAX_UPLOAD_FILES, fields: 10 } });

  app.get<{ Querystring: { limit?: number; offset?: number } }>(
    '/api/music/tracks',
    {
      schema: {
        querystring: {
          type: 'object',
          properties: { limit: { type: 'integer', minimum: 1, maximum: 1000 }, offset: { type: 'integer', minimum: 0 } },
        },
      },
    },
    async (request) => {
      const rows = await trackRows(db);
      const offset = request.query.offset ?? 0;
      return { total: rows.length, tracks: rows.slice(offset, offset + (request.query.limit ?? 200)) };
    },
  );

  app.get('/api/music/library', async () => ({
    tracks: await countTracks(db),
    importing: { ...imports.progress },
    credits: BUNDLED_SOURCES.map((s) => ({
      debianPackage: s.debianPackage,
      work: s.work,
      license: s.license,
      licenseUrl: s.licenseUrl,
      installed: fs.existsSync(s.dir),
    })),
    model: imports.model.version,
  }));

  // Signed in first (401), then the query (400): the same order as every other /api route.
  app.get<{ Querystring: Static<typeof SearchQuery> }>(
    '/api/music/search',
    { schema: { querystring: SearchQuery }, preValidation: async (request) => void (await requireAccount(app, request)) },
    async (request, reply) => {
      const { q, valence, arousal, limit } = request.query;
      // "Infinity" and "NaN" get through the query-string coercion: a point must be finite and on the plane.
      if ([valence, arousal].some((v) => v !== undefined && !(Number.isFinite(v) && Math.abs(v) <= 1)))
        return reply.code(400).send({ error: 'valence and arousal are numbers from -1 to 1' });
      if ((valence === undefined) !== (arousal === undefined))
        return reply.code(400).send({ error: 'give valence and arousal together (a point on the plane)' });
      try {
        const result = searchTracks(director.library, {
          ...(q !== undefined ? { q } : {}),
          ...(valence !== undefined ? { point: { valence, arousal: arousal! } } : {}),
          limit,
        });
        return result;
      } catch (err) {
        if (err instanceof SearchInputError) return reply.code(400).send({ error: err.message });
        throw err;
      }
    },
  );

  app.put<{ Params: { roomId: string }; Body: { strategy: Strategy } }>(
    '/api/music/rooms/:roomId/strategy',
    {
      schema: {
        params: { type: 'object', required: ['roomId'], properties: { roomId: { type: 'string', pattern: ROOM_ID_PATTERN } } },
        body: {
          type: 'object',
          required: ['strategy'],
          additionalProperties: false,
          properties: { strategy: { type: 'string', enum: [...STRATEGIES] } },
        },
      },
    },
    async (request) => {
      // Only the room's members steer its music (401 no token, 404 unknown room, 403 not a member), and only while it is open (409).
      const { room } = await requireRoomRole(app, request, request.params.roomId, 'member');
      if (room.closedAt) throw conflict('the room is closed');
      director.setStrategy(roomSession(request.params.roomId), request.body.strategy);
      return { roomId: request.params.roomId, strategy: request.body.strategy };
    },
  );

  // Play next, and journeys to a destination (steering-routes.ts).
  await steeringRoutes(app, { director, switcher: roomMusic.switcher, roomMood: (roomId) => roomMusic.roomMood(roomId) });

  // Uploads into the shared catalogue: full accounts only, bounded, cleaned up on every exit (upload-route.ts).
  uploadRoute(app, { uploadDir, maxFileBytes: maxUploadBytes, importFiles: (files) => imports.importFiles(files, 'upload') });

  app.setErrorHandler((err, _request, reply) => {
    if (err instanceof UnknownTrackError) return reply.code(404).send({ error: err.message });
    return reply.send(err);
  });
};

function trackRows(db: Db) {
  return db
    .select({
      trackId: tracks.id,
      title: tracks.title,
      artist: tracks.artist,
      album: tracks.album,
      durationS: tracks.durationS,
      origin: tracks.origin,
      license: tracks.license,
      attribution: tracks.attribution,
      tags: tracks.tags,
      bpm: trackFeatures.bpm,
      key: trackFeatures.key,
      mode: trackFeatures.mode,
      loudnessLufs: trackFeatures.loudnessLufs,
      energy: trackFeatures.energy,
      valence: trackFeatures.valence,
      arousal: trackFeatures.arousal,
      emotion: trackFeatures.emotion,
      moodSource: trackFeatures.moodSource,
    })
    .from(tracks)
    .innerJoin(trackFeatures, eq(trackFeatures.trackId, tracks.id))
    .orderBy(tracks.title);
}
