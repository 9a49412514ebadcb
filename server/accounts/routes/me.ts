/**
 * The signed-in user's own things: profile, settings (strategy, mood override, consent), history,
 * and deletion. Every route is addressed by the access token alone, so nobody can name another
 * user's data here.
 */
import { type Static, Type } from '@sinclair/typebox';
import { eq } from 'drizzle-orm';
import type { FastifyPluginAsync } from 'fastify';

import { roomMemberships, userSettings } from '../../../sql/schema.js';
import { FER_LABELS } from '../../../vocabulary/emotions.js';
import { readHistory, userScope } from '../history-queries.js';
import { deleteAccount, deleteUserHistory } from '../personal-data.js';
import { requireAccount } from '../request-auth.js';
import { readUserSettings, type SettingsRow, settingsView, STRATEGIES } from '../user-settings.js';
import { publicUser } from './auth.js';

export const HistoryQuery = Type.Object({
  days: Type.Integer({ minimum: 1, maximum: 366, default: 7 }),
  bucket: Type.Union([Type.Literal('day'), Type.Literal('week')], { default: 'day' }),
});

const SettingsBody = Type.Object(
  {
    strategy: Type.Optional(Type.Union(STRATEGIES.map((s) => Type.Literal(s)))),
    moodOverride: Type.Optional(
      Type.Union([
        Type.Null(),
        Type.Object(
          { emotion: Type.Union(FER_LABELS.map((l) => Type.Literal(l))), minutes: Type.Integer({ minimum: 1, maximum: 240 }) },
          { additionalProperties: false },
        ),
      ]),
    ),
    consent: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

export const meRoutes: FastifyPluginAsync = async (app) => {
  const { database, events } = app.services;
  const db = database.db;

  app.get('/', async (request) => publicUser((await requireAccount(app, request)).user));

  app.get('/settings', async (request) => {
    const { user } = await requireAccount(app, request);
    return readUserSettings(db, user.id);
  });

  app.put<{ Body: Static<typeof SettingsBody> }>('/settings', { schema: { body: SettingsBody } }, async (request) => {
    const { user } = await requireAccount(app, request);
    const body = request.body;
    const now = new Date();
    const changes: Partial<SettingsRow> = { updatedAt: now };
    if (body.strategy) changes.strategy = body.strategy;
    if (body.moodOverride === null) Object.assign(changes, { moodOverride: null, moodOverrideUntil: null });
    if (body.moodOverride) {
      Object.assign(changes, {
        moodOverride: body.moodOverride.emotion,
        moodOverrideUntil: new Date(now.getTime() + body.moodOverride.minutes * 60_000),
      });
    }
    if (body.consent !== undefined) changes.consentedAt = body.consent ? now : null;
    const [row] = await db
      .insert(userSettings)
      .values({ userId: user.id, ...changes })
      .onConflictDoUpdate({ target: userSettings.userId, set: changes })
      .returning();
    const view = settingsView(row);
    events.emit('userSettingsChanged', { userId: user.id, strategy: view.strategy, moodOverride: view.moodOverride });
    return view;
  });

  app.get<{ Querystring: Static<typeof HistoryQuery> }>('/history', { schema: { querystring: HistoryQuery } }, async (request) => {
    const { user } = await requireAccount(app, request);
    const memberships = await db
      .select({ roomId: roomMemberships.roomId })
      .from(roomMemberships)
      .where(eq(roomMemberships.userId, user.id));
    return readHistory(
      db,
      userScope(
        user.id,
        memberships.map((m) => m.roomId),
      ),
      request.query,
    );
  });

  /** Deletes every emotion sample, play and piece of feedback of the user; the account stays. */
  app.delete('/data', async (request) => {
    const { user } = await requireAccount(app, request);
    // samples still buffered for writing would otherwise land after the deletion
    await app.services.emotionSamples?.forget(user.id);
    const report = await db.transaction((tx) => deleteUserHistory(tx as unknown as typeof db, user.id));
    events.emit('userDataDeleted', { userId: user.id, account: false });
    return report;
  });

  /** Deletes the account and everything that references it, including the rooms it owns. */
  app.delete('/', async (request) => {
    const { user } = await requireAccount(app, request);
    const owned = await db
      .select({ roomId: roomMemberships.roomId, role: roomMemberships.role })
      .from(roomMemberships)
      .where(eq(roomMemberships.userId, user.id));
    await app.services.emotionSamples?.forget(user.id);
    const report = await db.transaction((tx) => deleteAccount(tx as unknown as typeof db, user.id));
    for (const m of owned) {
      if (m.role === 'owner') events.emit('roomClosedByOwner', { roomId: m.roomId });
      else events.emit('roomMemberRemoved', { roomId: m.roomId, userId: user.id });
    }
    events.emit('userDataDeleted', { userId: user.id, account: true });
    return report;
  });
};
