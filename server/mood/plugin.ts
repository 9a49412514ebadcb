/**
 * The mood engine inside the server: app.services.mood.observe(...) takes the face and voice
 * models' readings, publishes participantMood / roomMood on the bus, and hands every fused
 * reading to the batched emotion-sample writer (which survives database outages).
 * Users' mood overrides reach the engine from their settings: at once when they change
 * (`userSettingsChanged`), and when a user joins a room while one is active.
 */
import type { FastifyPluginAsync } from 'fastify';

import type { MoodOverride as StoredOverride } from '../accounts/events.js';
import { consentedUsers, getUserSettings } from '../accounts/user-settings.js';
import { EmotionSampleWriter } from './emotion-sample-writer.js';
import { MoodEngine } from './engine.js';

declare module '../app.js' {
  interface AppServices {
    mood?: MoodEngine;
    emotionSamples?: EmotionSampleWriter;
  }
}

const asOverride = (o: StoredOverride | null) => (o ? { emotion: o.emotion, until: Date.parse(o.until) } : null);

export const moodPlugin: FastifyPluginAsync = async (app) => {
  const { database, events, registry } = app.services;
  // Consent is enforced where samples are written: only accounts that consented are stored.
  const writer = new EmotionSampleWriter(database.db, { registry, log: app.log, admit: (userIds) => consentedUsers(database.db, userIds) });
  const engine = new MoodEngine(events, { sink: writer.sink });
  app.services.mood = engine;
  app.services.emotionSamples = writer;

  events.on('userSettingsChanged', ({ userId, moodOverride }) => engine.setOverride(userId, asOverride(moodOverride)));
  events.on('userDataDeleted', ({ userId, account }) => {
    if (account) engine.setOverride(userId, null);
  });
  // An override set before joining (or before a restart) applies as soon as the user is in a room.
  events.on('peerJoined', ({ userId }) => {
    if (!userId || engine.overrideOf(userId)) return;
    getUserSettings(app, userId)
      .then((settings) => settings.moodOverride && engine.setOverride(userId, asOverride(settings.moodOverride)))
      .catch((err: Error) => app.log.warn({ userId, err: err.message }, 'mood override not read at join'));
  });

  // preClose: the last samples are written while the database is still open.
  app.addHook('preClose', async () => {
    engine.close();
    await writer.close();
  });
};
