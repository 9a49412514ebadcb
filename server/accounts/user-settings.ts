/**
 * Per-user settings: strategy (match | lift | calm), a mood override pinned until a time, and
 * the capture consent. Mood and music read them with getUserSettings() and follow changes on
 * the `userSettingsChanged` event.
 */
import { and, eq, inArray, isNotNull } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';

import { userSettings } from '../../sql/schema.js';
import type { Db } from '../database.js';
import type { MoodOverride } from './events.js';

export const STRATEGIES = ['match', 'lift', 'calm'] as const;
export type Strategy = (typeof STRATEGIES)[number];

export type SettingsRow = typeof userSettings.$inferSelect;

export interface UserSettings {
  strategy: Strategy;
  /** null when none is set or it has run out. */
  moodOverride: MoodOverride | null;
  consentedAt: string | null;
}

export function settingsView(row: SettingsRow | undefined, now = new Date()): UserSettings {
  const until = row?.moodOverrideUntil;
  const moodOverride = row?.moodOverride && until && until > now ? { emotion: row.moodOverride, until: until.toISOString() } : null;
  return {
    strategy: (row?.strategy as Strategy | undefined) ?? 'match',
    moodOverride,
    consentedAt: row?.consentedAt?.toISOString() ?? null,
  };
}

export async function readUserSettings(db: Db, userId: string): Promise<UserSettings> {
  const [row] = await db.select().from(userSettings).where(eq(userSettings.userId, userId));
  return settingsView(row);
}

/** The settings of a user (defaults when they never saved any). */
export function getUserSettings(app: FastifyInstance, userId: string): Promise<UserSettings> {
  return readUserSettings(app.services.database.db, userId);
}

/** Of `userIds`, those who have consented to emotion capture (the emotion-sample writer stores only theirs). */
export async function consentedUsers(db: Db, userIds: string[]): Promise<Set<string>> {
  const ids = userIds.filter((id) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id));
  if (ids.length === 0) return new Set();
  const rows = await db
    .select({ userId: userSettings.userId })
    .from(userSettings)
    .where(and(inArray(userSettings.userId, ids), isNotNull(userSettings.consentedAt)));
  return new Set(rows.map((r) => r.userId));
}
