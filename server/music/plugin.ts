/**
 * The music library inside the server:
 *   GET  /api/music/tracks      the analysed library (with licence and attribution per track)
 *   GET  /api/music/library     counts, import progress, credits for the bundled music
 *   POST /api/music/import      multipart upload of audio files (signed in), imported at once
 *   PUT  /api/music/rooms/:roomId/strategy   match | lift | calm
 *   POST /api/music/rooms/:roomId/queue, PUT|DELETE …/destination   steering (steering-routes.ts)
 *   GET  /api/music/search      mood-playlist search (words or a point on the plane; signed in)
 * It also keeps the latest room moods from the bus, offers the stream engine a track source and
 * a feedback sink (app.services.music), asks the stream to switch early on a strong, sustained
 * mood change (or at once after the minimum dwell when a user pins a mood), applies the owner's
 * (or a sole member's) strategy from their settings, publishes `nowPlaying` when a pick becomes
 * audible with its plain-word story (room-story.ts; early switches and what waits for them:
 * switch-policy.ts), holds a room's first pick until the room is read (first-pick.ts), and
 * imports the bundled Debian music in the background when the library is empty.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import multipart from '@fastify/multipart';
import { conflict } from '../auth/http-error.js';
import { MAX_UPLOAD_FILES, uploadRoute } from './upload-route.js';
import { Type, type Static } from '@sinclair/typebox';
import { eq } from 'drizzle-orm';
import { rooms, trackFeatures, tracks } from '../../sql/schema.js';
import { requireAccount } from '../auth/request-auth.js';
import { findRoom, requireRoomRole } from '../auth/room-access.js';
import { getUserSettings } from '../auth/user-settings.js';
import { isUuid } from '../auth/users.js';
import { AnalysisWorker } from './analysis-worker.js';
import { attributionEntries, BUNDLED_SOURCES, installedSources } from './bundled.js';
import { countTracks } from './catalog.js';
import { MusicDirector, roomSession, UnknownTrackError, type NextTrack } from './director.js';
import { importFiles, listAudioFiles, type ImportSummary } from './importer.js';
import { STRATEGIES, type MoodReading, type Strategy } from './recommender.js';
import { MusicMoodModel } from './valence-arousal.js';
import { FirstReadingGate, MAX_FIRST_PICK_WAIT_MS, readyForFirstPick } from './first-pick.js';
import { RoomStories } from './room-story.js';
import { steeringRoutes } from './steering-routes.js';
import type { MusicStory } from '../../vocabulary/music-story.js';
import { RoomSwitcher, type SwitchableStreams } from './switch-policy.js';
import { searchTracks, SearchInputError } from './search.js';
import { DEFAULT_DWELL_OPTIONS } from './smoothness.js';

export interface MusicServices {
  director: MusicDirector;
  /** For the stream engine (structurally its TrackSource): the next track for a room. */
  trackSource: { next(roomId: string, reason: 'start' | 'next' | 'mood' | 'skip'): Promise<NextTrack> };
  /** For the stream engine's feedback route (structurally its FeedbackSink). */
  feedback: { record(input: { roomId: string; trackId: string; listenerId: string; kind: 'like' | 'dislike' | 'skip' }): Promise<void> };
  /** The latest group mood of a room (neutral with confidence 0 while nobody is seen or heard). */
  roomMood(roomId: string): MoodReading;
  /** The story of what the room hears now (CONTRACTS §1), or null before anything was audible. */
  story(roomId: string): MusicStory | null;
  /** Resolves when the background import of the bundled library (if any) has finished. */
  bundledImport: Promise<ImportSummary | undefined>;
}

declare module '../app.js' {
  interface AppServices {
    music?: MusicServices;
  }
}

export interface MusicPluginOptions {
  /** Largest accepted upload per file, bytes. */
  maxUploadBytes?: number;
  /** Import the bundled Debian music when the library is empty (default: bundledImportEnabled()). */
  importBundled?: boolean;
}

/**
 * MUSIC_BUNDLED_IMPORT=1/0 decides; unset, it is on, except for servers started under node's
 * test runner (NODE_TEST_CONTEXT), where every test server would otherwise spend its life
 * analysing 30 tracks on a 2-core machine.
 */
export function bundledImportEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.MUSIC_BUNDLED_IMPORT) return !['0', 'false', 'off', 'no'].includes(env.MUSIC_BUNDLED_IMPORT.toLowerCase());
  return !env.NODE_TEST_CONTEXT;
}

const NEUTRAL: MoodReading = { emotion: 'neutral', confidence: 0, valence: 0, arousal: 0 };
const ROOM_ID = '^[A-Za-z0-9_-]{1,64}$';

export const SearchQuery = Type.Object(
  {
    q: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    valence: Type.Optional(Type.Number({ minimum: -1, maximum: 1 })),
    arousal: Type.Optional(Type.Number({ minimum: -1, maximum: 1 })),
    limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
  },
  { additionalProperties: false },
);

export const musicPlugin: FastifyPluginAsync<MusicPluginOptions> = async (app, options) => {
  const { database, events, config } = app.services;
  const db = database.db;
  const director = new MusicDirector(db, {
    dwell: { ...DEFAULT_DWELL_OPTIONS, minDwellMs: (config.MUSIC_MIN_DWELL_S ?? DEFAULT_DWELL_OPTIONS.minDwellMs / 1000) * 1000 },
    onStorageError: (err, what) => app.log.warn({ err: err.message, what }, 'music: database unavailable, picking anyway'),
  });
  await director.reloadCatalog();
  const model = MusicMoodModel.load();
  const worker = new AnalysisWorker();
  const abort = new AbortController();
  app.addHook('onClose', async () => {
    abort.abort();
    await worker.close();
  });

  const roomMoods = new Map<string, MoodReading>();
  const roomUsers = new Map<string, Set<string>>();
  const usersOf = (roomId: string) => {
    let set = roomUsers.get(roomId);
    if (!set) roomUsers.set(roomId, (set = new Set()));
    return set;
  };
  events.on('participantMood', (e) => {
    if (e.userId) usersOf(e.roomId).add(e.userId);
  });
  const roomMood = (roomId: string) => roomMoods.get(roomId) ?? NEUTRAL;
  // The story each room is told (nowPlaying), early switches and what waits for them, steering.
  const stories = new RoomStories(events, director);
  const streamsOf = () => (app as unknown as { streams?: SwitchableStreams }).streams;
  const switcher = new RoomSwitcher({ director, stories, roomMood, streams: streamsOf, log: app.log });
  const firstReading = new FirstReadingGate((config.MUSIC_FIRST_PICK_WAIT_S ?? MAX_FIRST_PICK_WAIT_MS / 1000) * 1000);
  app.addHook('onClose', async () => switcher.close());
  events.on('roomMood', ({ roomId, mood, status = 'mood', overrides, cause }) => {
    if (status === 'listening' && !cause) return; // members present, none confident: the music keeps the last mood it knew
    const reading: MoodReading = status === 'mood'
      ? { emotion: mood.emotion, confidence: mood.confidence, valence: mood.valence, arousal: mood.arousal, members: mood.members, ...(mood.agreeing !== undefined ? { agreeing: mood.agreeing } : {}), status }
      : { ...NEUTRAL, status };
    if (overrides?.length) reading.overrides = overrides.map((o) => ({ emotion: o.emotion, until: o.until, ...(o.displayName ? { displayName: o.displayName } : {}) }));
    roomMoods.set(roomId, reading);
    if (status === 'empty' || readyForFirstPick(reading)) firstReading.moodRead(roomId);
    // Nobody there: nothing to follow (listeners keep the music; the next pick is for an empty room).
    if (status !== 'empty') switcher.moodChanged(roomId, reading, cause === 'override');
  });
  events.on('trackStarted', ({ roomId, track, audibleAtMs }) => {
    if (director.currentTrack(roomSession(roomId))?.trackId === track.trackId) director.trackAudible(roomSession(roomId));
    stories.started(roomId, track, audibleAtMs);
  });
  events.on('streamStopped', ({ roomId }) => {
    stories.stopped(roomId);
    switcher.forget(roomId);
  });
  // The live hub's roomMood carries where the music aims, computed from the same snapshot.
  app.live?.useMusicTarget((roomId, mood) => {
    const session = roomSession(roomId);
    if (director.journeyOf(session)) return director.targetNow(session, mood ?? roomMood(roomId));
    return mood ? director.targetNow(session, mood) : null;
  });

  // ------------------------------------------------------------ per-user strategy
  // A user's strategy (settings) steers the rooms they own, and a room where they are the only
  // one present. A member's choice for the room (PUT …/strategy) holds until the owner changes theirs.
  const livePeers = new Map<string, Map<string, string | undefined>>();
  const knownStrategy = new Map<string, string>();
  const roomsWithStrategy = new Set<string>();
  const ownerOf = async (roomId: string) => (isUuid(roomId) ? (await findRoom(db, roomId))?.ownerId : undefined);
  const soleUser = (roomId: string) => {
    const peers = [...(livePeers.get(roomId)?.values() ?? [])];
    return peers.length === 1 ? peers[0] : undefined;
  };
  /** Once per room: the owner's strategy, else the sole member's. */
  const applyRoomStrategy = async (roomId: string) => {
    if (roomsWithStrategy.has(roomId)) return;
    const userId = (await ownerOf(roomId)) ?? soleUser(roomId);
    if (!userId) return;
    roomsWithStrategy.add(roomId);
    const { strategy } = await getUserSettings(app, userId);
    knownStrategy.set(userId, strategy);
    director.setStrategy(roomSession(roomId), strategy);
  };
  const logStrategyError = (roomId: string) => (err: Error) => app.log.warn({ roomId, err: err.message }, 'owner strategy not applied');
  events.on('peerJoined', ({ roomId, participantId, userId }) => {
    let peers = livePeers.get(roomId);
    if (!peers) livePeers.set(roomId, (peers = new Map()));
    peers.set(participantId, userId);
    applyRoomStrategy(roomId).catch(logStrategyError(roomId));
  });
  events.on('peerLeft', ({ roomId, participantId }) => {
    const peers = livePeers.get(roomId);
    peers?.delete(participantId);
    if (peers?.size === 0) {
      livePeers.delete(roomId);
      roomsWithStrategy.delete(roomId);
    }
  });
  events.on('userSettingsChanged', ({ userId, strategy }) => {
    // Settings change for other reasons (override, consent) too: only a new strategy steers rooms.
    if (knownStrategy.get(userId) === strategy || !(STRATEGIES as readonly string[]).includes(strategy)) return;
    knownStrategy.set(userId, strategy);
    (async () => {
      const owned = isUuid(userId) ? await db.select({ id: rooms.id }).from(rooms).where(eq(rooms.ownerId, userId)) : [];
      const targets = new Set(owned.map((r) => r.id));
      for (const roomId of livePeers.keys()) if (soleUser(roomId) === userId && !(await ownerOf(roomId))) targets.add(roomId);
      for (const roomId of targets) director.setStrategy(roomSession(roomId), strategy as Strategy);
    })().catch(logStrategyError(userId));
  });

  const importing = { running: false, done: 0, total: 0, lastError: undefined as string | undefined };
  const services: MusicServices = {
    director,
    roomMood,
    story: (roomId) => stories.story(roomId),
    trackSource: {
      async next(roomId, reason) {
        if (director.catalogSize === 0) await director.reloadCatalog();
        // The stream itself stores a skip as its listener's feedback; reason only goes out with trackPicked.
        await applyRoomStrategy(roomId).catch(logStrategyError(roomId));
        // The first track waits (≤ 10 s) for the room to be read, unless nobody is there to read.
        if (reason === 'start') await firstReading.wait(roomId, () => !livePeers.get(roomId)?.size || readyForFirstPick(roomMood(roomId)));
        const cause = reason === 'start' ? 'first' : reason;
        const pick = await director.next({ sessionKey: roomSession(roomId), mood: roomMood(roomId), userIds: [...usersOf(roomId)], cause });
        if (pick) {
          stories.picked(roomId, pick);
          switcher.picked(roomId);
          events.emit('trackPicked', { roomId, trackId: pick.trackId, valence: pick.valence, arousal: pick.arousal, reason, explanation: pick.explanation, at: Date.now() });
        }
        if (!pick) throw new Error(importing.running ? 'the music library is still being imported: try again shortly' : 'the music library is empty: import music with npm run library:import -- DIR');
        return pick;
      },
    },
    feedback: {
      async record({ roomId, trackId, listenerId, kind }) {
        await director.recordFeedback(listenerId, trackId, kind);
        usersOf(roomId).add(listenerId);
      },
    },
    bundledImport: Promise.resolve(undefined),
  };
  app.services.music = services;
  // The stream engine (server/stream/, registered as app.streams) takes its picks from here unless
  // it was given another source; no import in that direction, only the app's decoration.
  app.addHook('onReady', async () => {
    const streams = (app as unknown as { streams?: { useTrackSource?(source: MusicServices['trackSource']): void } }).streams;
    streams?.useTrackSource?.(services.trackSource);
  });

  // ------------------------------------------------------------ bundled library
  const importAndReload = async (files: string[], origin: string, sidecar?: Parameters<typeof importFiles>[3]) => {
    const before = importing.done;
    const summary = await importFiles(db, files, {
      origin,
      model,
      analyse: (file) => worker.analyse(file),
      signal: abort.signal,
      onProgress: (done) => (importing.done = before + done),
    }, sidecar);
    await director.reloadCatalog();
    return summary;
  };
  // Runs when the library is empty, and again after a start whose bundled import was cut short
  // (files already stored are skipped, so it resumes): the marker file says it finished.
  const bundledDone = path.join(config.DATA_DIR_ABS, 'library', '.bundled-import-complete');
  const bundledStarted = !fs.existsSync(bundledDone) && (await countTracks(db, 'bundled')) > 0;
  if ((options.importBundled ?? bundledImportEnabled()) && ((await countTracks(db)) === 0 || bundledStarted)) {
    const sources = installedSources();
    if (sources.length === 0) app.log.warn('music library empty and no bundled music installed (scripts/setup.sh installs singularity-music and hyperrogue-music)');
    else {
      // In the background, after listen: readiness never waits for a library import.
      services.bundledImport = new Promise<ImportSummary | undefined>((resolve) => app.addHook('onReady', async () => resolve(undefined))).then(async () => {
        // In a cluster one node imports (server/cluster/); the others pick the tracks up as they land.
        if (app.cluster && !(await app.cluster.takeTurnOrFollow('bundled-import', () => director.reloadCatalog()))) return undefined;
        importing.running = true;
        const all: ImportSummary = { total: 0, imported: 0, unchanged: 0, duplicates: 0, failed: 0, outcomes: [] };
        try {
          for (const source of sources) {
            const files = listAudioFiles(source.dir);
            importing.total += files.length;
            const s = await importAndReload(files, 'bundled', attributionEntries(source, files));
            for (const k of ['total', 'imported', 'unchanged', 'duplicates', 'failed'] as const) all[k] += s[k];
            all.outcomes.push(...s.outcomes);
          }
          if (abort.signal.aborted) app.log.info({ imported: all.imported }, 'bundled music import interrupted; it resumes at the next start');
          else {
            fs.mkdirSync(path.dirname(bundledDone), { recursive: true });
            fs.writeFileSync(bundledDone, new Date().toISOString());
            app.log.info({ imported: all.imported, failed: all.failed, duplicates: all.duplicates }, 'bundled music library imported');
          }
        } catch (err) {
          importing.lastError = (err as Error).message;
          if (!abort.signal.aborted) app.log.error({ err: importing.lastError }, 'bundled music import failed');
        } finally {
          importing.running = false;
        }
        return all;
      });
    }
  }

  // ------------------------------------------------------------ routes
  const maxUploadBytes = options.maxUploadBytes ?? Number(process.env.MUSIC_MAX_UPLOAD_MB || 100) * 1024 * 1024;
  await app.register(multipart, { limits: { fileSize: maxUploadBytes, files: MAX_UPLOAD_FILES, fields: 10 } });

  app.get<{ Querystring: { limit?: number; offset?: number } }>(
    '/api/music/tracks',
    { schema: { querystring: { type: 'object', properties: { limit: { type: 'integer', minimum: 1, maximum: 1000 }, offset: { type: 'integer', minimum: 0 } } } } },
    async (request) => {
      const rows = await trackRows(app);
      const offset = request.query.offset ?? 0;
      return { total: rows.length, tracks: rows.slice(offset, offset + (request.query.limit ?? 200)) };
    },
  );

  app.get('/api/music/library', async () => ({
    tracks: await countTracks(db),
    importing: { ...importing },
    credits: BUNDLED_SOURCES.map((s) => ({ debianPackage: s.debianPackage, work: s.work, license: s.license, licenseUrl: s.licenseUrl, installed: fs.existsSync(s.dir) })),
    model: model.version,
  }));

  // Signed in first (401), then the query (400): the same order as every other /api route.
  app.get<{ Querystring: Static<typeof SearchQuery> }>(
    '/api/music/search',
    { schema: { querystring: SearchQuery }, preValidation: async (request) => void (await requireAccount(app, request)) },
    async (request, reply) => {
      const { q, valence, arousal, limit } = request.query;
      // "Infinity" and "NaN" get through the query-string coercion: a point must be finite and on the plane.
      if ([valence, arousal].some((v) => v !== undefined && !(Number.isFinite(v) && Math.abs(v) <= 1))) return reply.code(400).send({ error: 'valence and arousal are numbers from -1 to 1' });
      if ((valence === undefined) !== (arousal === undefined)) return reply.code(400).send({ error: 'give valence and arousal together (a point on the plane)' });
      try {
        const result = searchTracks(director.library, { ...(q !== undefined ? { q } : {}), ...(valence !== undefined ? { point: { valence, arousal: arousal! } } : {}), limit });
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
        params: { type: 'object', required: ['roomId'], properties: { roomId: { type: 'string', pattern: ROOM_ID } } },
        body: { type: 'object', required: ['strategy'], additionalProperties: false, properties: { strategy: { type: 'string', enum: [...STRATEGIES] } } },
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
  await steeringRoutes(app, { director, switcher, roomMood });

  // Uploads into the shared catalogue: full accounts only, bounded, cleaned up on every exit (upload-route.ts).
  uploadRoute(app, {
    uploadDir: path.join(config.DATA_DIR_ABS, 'library', 'uploads'),
    maxFileBytes: maxUploadBytes,
    importFiles: (files) => importAndReload(files, 'upload'),
  });

  app.setErrorHandler((err, _request, reply) => {
    if (err instanceof UnknownTrackError) return reply.code(404).send({ error: err.message });
    return reply.send(err);
  });
};

function trackRows(app: FastifyInstance) {
  return app.services.database.db
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
