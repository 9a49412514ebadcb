/**
 * The mood engine inside the server: app.services.mood.observe(...) takes the face and voice
 * models' readings, publishes participantMood / roomMood on the bus, and hands every fused
 * reading to the batched emotion-sample writer (which survives database outages).
 */
import type { FastifyPluginAsync } from 'fastify';
import { EmotionSampleWriter } from '../persistence/emotion-sample-writer.js';
import { MoodEngine } from './engine.js';

declare module '../app.js' {
  interface AppServices {
    mood?: MoodEngine;
    emotionSamples?: EmotionSampleWriter;
  }
}

export const moodPlugin: FastifyPluginAsync = async (app) => {
  const { database, events, registry } = app.services;
  const writer = new EmotionSampleWriter(database.db, { registry, log: app.log });
  const engine = new MoodEngine(events, { sink: writer.sink });
  app.services.mood = engine;
  app.services.emotionSamples = writer;
  // preClose: the last samples are written while the database is still open.
  app.addHook('preClose', async () => {
    await writer.close();
  });
};
