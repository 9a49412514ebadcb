/**
 * Emotion samples: one fused reading per participant and tick, with the per-modality
 * probabilities it came from (never raw media). Written in batches by
 * server/mood/emotion-sample-writer.ts. Ids are text: guests have no users row.
 */
import { sql } from 'drizzle-orm';
import { index, jsonb, pgTable, real, text, timestamp, uuid } from 'drizzle-orm/pg-core';

export const emotionSamples = pgTable(
  'emotion_samples',
  {
    id: uuid('id')
      .primaryKey()
      .default(sql`gen_random_uuid()`),
    /** The user id when signed in, otherwise the participant id. */
    userId: text('user_id').notNull(),
    participantId: text('participant_id').notNull(),
    roomId: text('room_id').notNull(),
    at: timestamp('at', { withTimezone: true, mode: 'date' }).notNull(),
    face: jsonb('face').$type<number[] | null>(),
    voice: jsonb('voice').$type<number[] | null>(),
    fused: jsonb('fused').$type<number[]>().notNull(),
    emotion: text('emotion').notNull(),
    valence: real('valence').notNull(),
    arousal: real('arousal').notNull(),
    confidence: real('confidence').notNull(),
    weights: jsonb('weights').$type<{ face: number; voice: number }>().notNull(),
  },
  (t) => [index('emotion_samples_user_time_idx').on(t.userId, t.at), index('emotion_samples_room_time_idx').on(t.roomId, t.at)],
);
