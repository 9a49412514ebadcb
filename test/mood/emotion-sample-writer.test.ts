/**
 * The outage test: real PostgreSQL behind a TCP proxy that the test stops and restarts.
 * The issue describes a 30 s outage; this test holds it for OUTAGE_MS (5 s by default, set
 * EMOTION_OUTAGE_MS=30000 for the full one) to keep the suite short. Nothing in the writer
 * depends on the duration: it only knows "the last write failed" and its buffer bound.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';

import { sql } from 'drizzle-orm';
import { Registry } from 'prom-client';

import { type Database, openDatabase } from '../../server/database.js';
import { EmotionSampleWriter } from '../../server/mood/emotion-sample-writer.js';
import { postgresBehindProxy } from '../helpers/postgres.js';
import { waitFor } from '../helpers/server-process.js';
import type { TcpProxy } from '../helpers/tcp-proxy.js';

const OUTAGE_MS = Number(process.env.EMOTION_OUTAGE_MS ?? 5000);

function sample(i: number, participantId = 'p1') {
  return {
    userId: `u-${participantId}`,
    participantId,
    roomId: 'room-1',
    at: new Date(1_700_000_000_000 + i * 200),
    face: [0, 0, 0, 0.9, 0, 0, 0.1],
    voice: null,
    fused: [0, 0, 0, 0.9, 0, 0, 0.1],
    emotion: 'happy',
    valence: 0.7,
    arousal: 0.45,
    confidence: 0.8,
    weights: { face: 1, voice: 0 },
  };
}

async function withPostgres(t: { skip: (m: string) => void }, body: (db: Database, proxy: TcpProxy) => Promise<void>) {
  const postgres = await postgresBehindProxy(t);
  if (!postgres) return;
  const { proxy } = postgres;
  const database = await openDatabase({ databaseUrl: postgres.url, dataDir: '/nonexistent' });
  try {
    await database.migrate();
    await body(database, proxy);
  } finally {
    await proxy.start().catch(() => {});
    await database.close();
    await postgres.close();
  }
}

const count = async (database: Database, participantId: string) => {
  const rows = await database.db.execute<{ n: number }>(
    sql`select count(*)::int as n from emotion_samples where participant_id = ${participantId}`,
  );
  return Number((rows as unknown as { n: number }[])[0]?.n ?? (rows as unknown as { rows: { n: number }[] }).rows?.[0]?.n);
};

test('a PostgreSQL outage buffers samples and every one is written when it returns', async (t) => {
  await withPostgres(t, async (database, proxy) => {
    const registry = new Registry();
    const writer = new EmotionSampleWriter(database.db, { flushIntervalMs: 100, batchSize: 50, retryMs: 100, maxRetryMs: 500, registry });
    let i = 0;
    for (; i < 100; i++) writer.enqueue(sample(i));
    await waitFor(() => (writer.stats.written === 100 ? true : undefined), 10000, 'the first 100 samples');

    await proxy.stop();
    // Samples keep coming during the outage (5 fps for the outage's length); enqueue never blocks.
    const outageEnd = Date.now() + OUTAGE_MS;
    while (Date.now() < outageEnd) {
      const t0 = performance.now();
      for (let k = 0; k < 5; k++) writer.enqueue(sample(i++));
      assert.ok(performance.now() - t0 < 20, 'enqueue must not wait for the database');
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.ok(writer.buffered > 0, 'samples are held while the database is away');
    assert.ok(writer.stats.failures > 0);
    const metrics = await registry.metrics();
    assert.match(metrics, new RegExp(`moodify_emotion_samples_buffered ${writer.buffered}`));

    await proxy.start();
    await waitFor(() => (writer.buffered === 0 ? true : undefined), 20000, 'the buffer to drain after the outage');
    assert.equal(await count(database, 'p1'), i, 'every sample, none lost and none twice');
    assert.equal(writer.stats.dropped, 0);
    await writer.close();
  });
});

test('past its bound the buffer drops the oldest samples and counts them in /metrics', async (t) => {
  await withPostgres(t, async (database, proxy) => {
    const registry = new Registry();
    const writer = new EmotionSampleWriter(database.db, {
      flushIntervalMs: 100,
      batchSize: 20,
      retryMs: 100,
      maxRetryMs: 300,
      maxBuffered: 100,
      registry,
    });
    await proxy.stop();
    for (let i = 0; i < 150; i++) writer.enqueue(sample(i, 'p2'));
    await new Promise((r) => setTimeout(r, 400));
    assert.equal(writer.stats.dropped, 50);
    assert.match(await registry.metrics(), /moodify_emotion_samples_dropped_total 50/);
    await proxy.start();
    await waitFor(() => (writer.buffered === 0 ? true : undefined), 20000, 'the buffer to drain');
    assert.equal(await count(database, 'p2'), 100, 'everything within the bound arrives');
    const rows = await database.db.execute(sql`select max(at) as last from emotion_samples where participant_id = 'p2'`);
    const last = ((rows as unknown as { last: Date }[])[0] ?? (rows as unknown as { rows: { last: Date }[] }).rows[0])!.last;
    assert.equal(new Date(last).getTime(), sample(149).at.getTime(), 'old samples were dropped, not the newest');
    await writer.close();
  });
});

test('"delete my data": forget() drops the user\'s samples not yet written, and late ones taken before it; others are kept', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'moodify-forget-'));
  const database = await openDatabase({ dataDir: dir });
  // a long flush interval: nothing is written until flush()
  const writer = new EmotionSampleWriter(database.db, { flushIntervalMs: 60_000 });
  try {
    await database.migrate();
    const now = Date.now();
    const at = (ms: number) => ({ at: new Date(now + ms) });
    for (let i = 0; i < 5; i++) writer.enqueue({ ...sample(i, 'p1'), ...at(-2000 + i * 200) });
    for (let i = 0; i < 3; i++) writer.enqueue({ ...sample(i, 'p2'), ...at(-2000 + i * 200) });
    await writer.forget('u-p1');
    writer.enqueue({ ...sample(5, 'p1'), ...at(-100) }); // a reading taken before the deletion, arriving after it
    writer.enqueue({ ...sample(6, 'p1'), ...at(60_000) }); // a new reading: the user goes on after deleting
    await writer.flush();
    assert.equal(await count(database, 'p1'), 1, 'only the reading taken after the deletion');
    assert.equal(await count(database, 'p2'), 3, "another user's samples are written");
  } finally {
    await writer.close();
    await database.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
