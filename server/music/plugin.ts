/**
 * The music inside the server, wired: the director (the recommender and each room's state), the
 * room music policy on the event bus (room-music.ts), the library imports, with the bundled music
 * in the background when the library is empty (library-imports.ts), and the routes (routes.ts).
 * server/app.ts hands the track source, the feedback sink and the story to the stream engine,
 * and the stream engine back to the music for early switches.
 */
import path from 'node:path';

import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';

import type { MusicStory } from '../../vocabulary/music-story.js';
import type { FeedbackSink } from '../stream/plugin.js';
import type { SwitchReason } from '../stream/track-source.js';
import { installedSources } from './bundled.js';
import { MusicDirector, type NextTrack } from './director.js';
import type { ImportSummary } from './importer.js';
import { LibraryImports } from './library-imports.js';
import type { MoodReading } from './recommender.js';
import { RoomMusic } from './room-music.js';
import { musicRoutes } from './routes.js';
import { DEFAULT_DWELL_OPTIONS } from './smoothness.js';
import type { SwitchableStreams } from './switch-policy.js';

export interface MusicServices {
  director: MusicDirector;
  /** For the stream engine, its TrackSource: the next track for a room, with the recommender's detail. */
  trackSource: { next(roomId: string, reason: SwitchReason): Promise<NextTrack> };
  /** For the stream engine's feedback and skip routes. */
  feedback: FeedbackSink;
  /** The latest group mood of a room (neutral with confidence 0 while nobody is seen or heard). */
  roomMood(roomId: string): MoodReading;
  /** The story of what the room hears now (CONTRACTS §1), or null before anything was audible. */
  story(roomId: string): MusicStory | null;
  /** The stream engine the music asks for early switches (server/app.ts, once it is registered). */
  playOn(streams: SwitchableStreams): void;
  /** Resolves when the background import of the bundled library (if any) has finished. */
  bundledImport: Promise<ImportSummary | undefined>;
}

declare module '../app.js' {
  interface AppServices {
    music?: MusicServices;
  }
}

const music: FastifyPluginAsync = async (app) => {
  const { database, events, config } = app.services;
  const db = database.db;
  const director = new MusicDirector(db, {
    dwell: { ...DEFAULT_DWELL_OPTIONS, minDwellMs: config.MUSIC_MIN_DWELL_S * 1000 },
    onStorageError: (err, what) => app.log.warn({ err: err.message, what }, 'music: database unavailable, picking anyway'),
  });
  await director.reloadCatalog();
  const imports = new LibraryImports({ db, director, dataDir: config.DATA_DIR_ABS, log: app.log, cluster: app.cluster });
  const roomMusic = new RoomMusic({
    events,
    db,
    director,
    presence: app.rooms,
    log: app.log,
    firstPickWaitMs: config.MUSIC_FIRST_PICK_WAIT_S * 1000,
    importing: () => imports.progress.running,
  });
  app.addHook('onClose', async () => {
    roomMusic.close();
    await imports.close();
  });
  // The live hub's roomMood carries where the music aims, computed from the same snapshot.
  app.live.useMusicTarget((roomId, mood) => roomMusic.musicTarget(roomId, mood));

  let bundledImport: Promise<ImportSummary | undefined> = Promise.resolve(undefined);
  if (config.MUSIC_BUNDLED_IMPORT && (await imports.bundledDue())) {
    const sources = installedSources();
    if (sources.length === 0)
      app.log.warn('music library empty and no bundled music installed (scripts/setup.sh installs singularity-music and hyperrogue-music)');
    // In the background, after listen: readiness never waits for a library import.
    else
      bundledImport = new Promise<void>((resolve) => app.addHook('onReady', async () => resolve())).then(() =>
        imports.importBundled(sources),
      );
  }

  app.services.music = {
    director,
    trackSource: { next: (roomId, reason) => roomMusic.next(roomId, reason) },
    feedback: { record: roomMusic.recordFeedback },
    roomMood: (roomId) => roomMusic.roomMood(roomId),
    story: (roomId) => roomMusic.story(roomId),
    playOn: (streams) => roomMusic.playOn(streams),
    bundledImport,
  };

  await app.register(musicRoutes, {
    director,
    roomMusic,
    imports,
    maxUploadBytes: config.MUSIC_MAX_UPLOAD_MB * 1024 * 1024,
    uploadDir: path.join(config.DATA_DIR_ABS, 'library', 'uploads'),
  });
};

// Accounts check who may upload and steer; signalling keeps the room registry and the live hub.
export const musicPlugin = fp(music, { name: 'moodify-music', dependencies: ['moodify-accounts', 'moodify-signalling'] });
