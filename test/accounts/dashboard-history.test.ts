/**
 * The dashboard's history in headless Chromium, over seeded data spanning three days: one mood
 * distribution row per day (one per week when grouped by week) with the right shares, the
 * valence/arousal path chart over the readings' own time span, and the tracks played, liked and
 * skipped. "Delete my data" empties it. axe-core checks the view; a screenshot goes to
 * test-artifacts/dashboard/history-seeded.png.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

import type { Browser } from 'playwright-core';

import { emotionSamples, feedback, plays, tracks } from '../../sql/schema.js';
import { startTestApp } from '../helpers/app.js';
import { launchChromium } from '../helpers/browser.js';
import { axeViolations, controlsNotReachedByTab, ensureClientBundle } from '../helpers/client-bundle.js';
import { ROOT } from '../helpers/server-process.js';

const ARTIFACTS = path.join(ROOT, 'test-artifacts', 'dashboard');
const HOUR = 3_600_000;
const P = { happy: [0, 0, 0, 1, 0, 0, 0], sad: [0, 0, 0, 0, 1, 0, 0] };

test('history: mood by day and week, valence/arousal path, tracks played, liked and skipped', { timeout: 180_000 }, async () => {
  ensureClientBundle();
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const server = await startTestApp({
    MEDIASOUP_WORKERS: '1',
    LOG_LEVEL: 'silent',
    ALLOW_ANONYMOUS_ROOMS: 'false',
    AUTH_RATE_LIMIT_MAX: '1000',
  });
  let browser: Browser | undefined;
  try {
    const { app } = server;
    const db = app.services.database.db;
    const session = (
      await app.inject({
        method: 'POST',
        url: '/api/auth/signup',
        payload: { email: 'hana@example.org', password: 'a long enough password', displayName: 'Hana' },
      })
    ).json() as {
      user: { id: string };
      accessToken: string;
    };
    const userId = session.user.id;
    const room = (
      await app.inject({
        method: 'POST',
        url: '/api/rooms',
        headers: { authorization: `Bearer ${session.accessToken}` },
        payload: { name: 'Kitchen' },
      })
    ).json() as { id: string };
    const [song, skipped] = await db
      .insert(tracks)
      .values(
        ['Morning song', 'Skipped song'].map((title) => ({
          filePath: `/music/${crypto.randomUUID()}.ogg`,
          audioHash: crypto.randomUUID(),
          fileSize: 1,
          fileMtimeMs: 0,
          title,
          artist: 'Test band',
          durationS: 180,
          origin: 'import',
        })),
      )
      .returning();
    // Noon of today, yesterday and the day before (local noon keeps each in its own UTC day).
    const noon = new Date();
    noon.setUTCHours(12, 0, 0, 0);
    const days = [2, 1, 0].map((d) => new Date(noon.getTime() - d * 24 * HOUR)).filter((d) => d.getTime() < Date.now());
    const samples = days
      .flatMap((day, i) =>
        Array.from({ length: 4 }, (_, k) => {
          const happy = k < (i === 0 ? 1 : 3); // the first day mostly sad, the others mostly happy
          return {
            userId,
            participantId: 'p1',
            roomId: room.id,
            at: new Date(day.getTime() + k * 60_000),
            face: happy ? P.happy : P.sad,
            voice: null,
            fused: happy ? P.happy : P.sad,
            emotion: happy ? 'happy' : 'sad',
            valence: happy ? 0.8 : -0.6,
            arousal: happy ? 0.5 : -0.3,
            confidence: 0.9,
            weights: { face: 1, voice: 0 },
          };
        }),
      )
      .filter((s) => s.at.getTime() <= Date.now());
    await db.insert(emotionSamples).values(samples);
    const at = new Date(Date.now() - HOUR);
    await db.insert(plays).values([
      {
        trackId: song!.id,
        sessionKey: `room:${room.id}`,
        strategy: 'match',
        targetValence: 0.8,
        targetArousal: 0.5,
        explanation: 'the room seemed happy (0.90) → match: bright',
        startedAt: at,
      },
      {
        trackId: skipped!.id,
        sessionKey: `room:${room.id}`,
        strategy: 'match',
        targetValence: 0.8,
        targetArousal: 0.5,
        explanation: 'the room seemed happy (0.90) → match: other',
        startedAt: new Date(at.getTime() + 60_000),
      },
    ]);
    await db.insert(feedback).values([
      { userId, trackId: song!.id, kind: 'like', createdAt: new Date(at.getTime() + 30_000) },
      { userId: `user:${userId}`, trackId: skipped!.id, kind: 'skip', createdAt: new Date(at.getTime() + 90_000) },
    ]);

    browser = await launchChromium();
    const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    await page.goto(server.url);
    await page.evaluate((s) => localStorage.setItem('moodify.session', JSON.stringify(s)), session);
    await page.reload();
    const history = page.locator('moodify-history');
    await history.locator('[data-samples]').waitFor();
    assert.equal(await history.locator('[data-samples]').getAttribute('data-samples'), String(samples.length));
    const rows = history.locator('moodify-mood-distribution tbody tr');
    assert.equal(await rows.count(), days.length, 'one row per day with readings');
    // The first day: 1 of 4 readings happy, 3 sad.
    assert.equal(await rows.first().locator('[role=img]').getAttribute('aria-label'), 'happy 25%, sad 75%');
    assert.deepEqual(
      await history
        .locator('moodify-track-lists section[aria-labelledby=played] li')
        .evaluateAll((items) => items.map((li) => li.getAttribute('data-track'))),
      [skipped!.id, song!.id],
      'latest play first',
    );
    await history.locator('moodify-track-lists section[aria-labelledby=liked]').getByText('Morning song').waitFor();
    await history.locator('moodify-track-lists section[aria-labelledby=skipped]').getByText('Skipped song').waitFor();
    await history.locator('moodify-track-lists section[aria-labelledby=played]').getByText('(like)').waitFor();
    await history.locator('moodify-track-lists section[aria-labelledby=played]').getByText('(skip)').waitFor();

    // The path chart spans the readings' own time, not years.
    const span = await history.locator('moodify-va-path moodify-uplot').evaluate((el) => {
      const x = (el as unknown as { chart: { scales: { x: { min: number; max: number } } } }).chart.scales.x;
      return { min: x.min, max: x.max };
    });
    const first = samples[0]!.at.getTime() / 1000;
    const last = samples.at(-1)!.at.getTime() / 1000;
    assert.ok(span.min <= first && span.max >= last && span.max - span.min <= last - first + 3600, JSON.stringify({ span, first, last }));

    await history.getByLabel('week').check();
    await history.locator('moodify-mood-distribution').getByText('Week of', { exact: false }).first().waitFor();
    assert.ok((await rows.count()) <= 2, 'three days fall in one or two weeks');
    assert.deepEqual(await axeViolations(page), [], 'the history view');
    assert.deepEqual(await controlsNotReachedByTab(page), [], 'every control is reached with the Tab key');
    await page.screenshot({ path: path.join(ARTIFACTS, 'history-seeded.png'), fullPage: true });

    // "Delete my data" (confirmed) empties the user's history at once: readings, likes, skips
    // (the room's plays stay: they are the room's, not the user's).
    page.on('dialog', (dialog) => void dialog.accept());
    await page.locator('moodify-dashboard').getByRole('button', { name: 'Delete my data' }).click();
    await history.locator('[data-samples="0"]').waitFor();
    await history.getByText('No mood readings in this period.').waitFor();
    await history.getByText('0 likes, 0 skips, 0 dislikes').waitFor();
    assert.equal(
      await history.locator('moodify-track-lists section[aria-labelledby=skipped] li').count(),
      0,
      'the skip given through the stream is deleted too',
    );
  } catch (err) {
    // Said at once: should closing the app hang after a failure, the runner would only report a pending promise.
    console.error('dashboard history test failed:', err);
    throw err;
  } finally {
    await browser?.close();
    await server.close();
  }
});
