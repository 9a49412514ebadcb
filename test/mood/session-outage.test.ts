/**
 * A room session in the real app on real PostgreSQL (behind a TCP proxy the test stops): two
 * participants' face and voice readings go through the mood engine at the face model's 5 fps
 * while the database is away for OUTAGE_MS (5 s here; the issue's 30 s with
 * EMOTION_OUTAGE_MS=30000 — the writer's logic does not depend on the duration). After it
 * returns, every fused reading is in emotion_samples.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { sql } from 'drizzle-orm';

import { startTestApp } from '../helpers/app.js';
import { postgresBehindProxy } from '../helpers/postgres.js';
import { waitFor } from '../helpers/server-process.js';

const OUTAGE_MS = Number(process.env.EMOTION_OUTAGE_MS ?? 5000);

test('mood samples of a live session survive a PostgreSQL outage', async (t) => {
  const postgres = await postgresBehindProxy(t);
  if (!postgres) return;
  const { proxy } = postgres;
  const app = await startTestApp({ DATABASE_URL: postgres.url, MEDIASOUP_WORKERS: '1' });
  try {
    const { mood, emotionSamples, registry, database } = app.app.services;
    assert.ok(mood && emotionSamples);
    let fused = 0;
    const tick = () => {
      for (const participantId of ['alice', 'bob']) {
        mood.observe({
          roomId: 'room-outage',
          participantId,
          modality: 'face',
          reading: { probabilities: [0.05, 0, 0.05, 0.7, 0.1, 0.05, 0.05], confidence: 0.9 },
        });
        mood.observe({
          roomId: 'room-outage',
          participantId,
          modality: 'voice',
          reading: participantId === 'bob' ? null : { probabilities: [0, 0, 0, 0.6, 0.2, 0, 0.2], confidence: 0.6 },
        });
        fused += 2;
      }
    };
    const run = async (ms: number) => {
      const end = Date.now() + ms;
      while (Date.now() < end) {
        tick();
        await new Promise((r) => setTimeout(r, 200));
      }
    };
    await run(1000);
    await proxy.stop();
    await run(OUTAGE_MS);
    assert.ok(emotionSamples.buffered > 0, 'held in memory while the database is away');
    assert.match(await registry.metrics(), /moodify_emotion_samples_write_failures_total [1-9]/);
    await proxy.start();
    await waitFor(() => (emotionSamples.buffered === 0 ? true : undefined), 30000, 'the buffer to drain');
    const rows = (await database.db.execute(
      sql`select count(*)::int as n from emotion_samples where room_id = 'room-outage'`,
    )) as unknown as { n: number }[];
    assert.equal(Number(rows[0]!.n), fused, 'every fused reading was stored');
    assert.equal(emotionSamples.stats.dropped, 0);
  } finally {
    await app.close();
    await postgres.close();
  }
});
