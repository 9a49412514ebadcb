/**
 * The music library and what happens to it: tracks (one row per distinct audio, found by the
 * hash of its decoded samples), their measured features and estimated mood, plays, and
 * listeners' feedback. Room and listener ids are text: guests and rooms may not have a row in
 * users/rooms, and a play must never fail for that.
 */
import { sql } from 'drizzle-orm';
import { bigint, doublePrecision, index, jsonb, pgTable, real, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';

export const tracks = pgTable(
  'tracks',
  {
    id: uuid('id')
      .primaryKey()
      .default(sql`gen_random_uuid()`),
    filePath: text('file_path').notNull(),
    // sha256 of the decoded mono PCM: the same recording in another container/bitrate-identical file is a duplicate.
    audioHash: text('audio_hash').notNull(),
    fileSize: bigint('file_size', { mode: 'number' }).notNull(),
    fileMtimeMs: doublePrecision('file_mtime_ms').notNull(),
    title: text('title').notNull(),
    artist: text('artist'),
    album: text('album'),
    durationS: real('duration_s').notNull(),
    /** 'bundled' (Debian package), 'import' (CLI), 'upload' (HTTP). */
    origin: text('origin').notNull(),
    license: text('license'),
    attribution: text('attribution'),
    tags: jsonb('tags')
      .$type<string[]>()
      .notNull()
      .default(sql`'[]'::jsonb`),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('tracks_audio_hash_unique').on(t.audioHash), uniqueIndex('tracks_file_path_unique').on(t.filePath)],
);

export const trackFeatures = pgTable('track_features', {
  trackId: uuid('track_id')
    .primaryKey()
    .references(() => tracks.id, { onDelete: 'cascade' }),
  bpm: real('bpm').notNull(),
  key: text('key').notNull(),
  mode: text('mode').notNull(),
  keyConfidence: real('key_confidence').notNull(),
  loudnessLufs: real('loudness_lufs').notNull(),
  energy: real('energy').notNull(),
  spectralCentroidHz: real('spectral_centroid_hz').notNull(),
  valence: real('valence').notNull(),
  arousal: real('arousal').notNull(),
  emotion: text('emotion').notNull(),
  /** 'model' or 'sidecar' (a label file overrode the estimate). */
  moodSource: text('mood_source').notNull(),
  modelVersion: text('model_version').notNull(),
  /** The whole feature vector the estimator saw, for re-scoring with a newer model. */
  vector: jsonb('vector').$type<Record<string, number>>().notNull(),
  analysedAt: timestamp('analysed_at', { withTimezone: true }).notNull().defaultNow(),
});

export const plays = pgTable(
  'plays',
  {
    id: uuid('id')
      .primaryKey()
      .default(sql`gen_random_uuid()`),
    trackId: uuid('track_id')
      .notNull()
      .references(() => tracks.id, { onDelete: 'cascade' }),
    /** "room:<id>" or "listener:<id>": whoever the pick was made for. */
    sessionKey: text('session_key').notNull(),
    strategy: text('strategy').notNull(),
    targetValence: real('target_valence').notNull(),
    targetArousal: real('target_arousal').notNull(),
    explanation: text('explanation').notNull(),
    startedAt: timestamp('started_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('plays_session_time_idx').on(t.sessionKey, t.startedAt)],
);

export const feedback = pgTable(
  'feedback',
  {
    id: uuid('id')
      .primaryKey()
      .default(sql`gen_random_uuid()`),
    userId: text('user_id').notNull(),
    trackId: uuid('track_id')
      .notNull()
      .references(() => tracks.id, { onDelete: 'cascade' }),
    /** like | skip | dislike */
    kind: text('kind').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('feedback_user_idx').on(t.userId, t.createdAt)],
);
