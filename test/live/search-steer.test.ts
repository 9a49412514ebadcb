/**
 * Search is no longer a dead end (issue #13 item 8), in headless Chromium on the real server: a
 * signed-in member searches "calm", plays a result next and takes the room to calm over twenty
 * minutes from the results, stops the journey, then picks a point on the plane and takes the
 * room there. What the page says is checked, and so is what the server's director holds.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, test } from 'node:test';

import type { Browser } from 'playwright-core';

import { type RoomFixture, roomFixture } from '../accounts/fixtures.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { launchChromium } from '../helpers/browser.js';
import { ensureClientBundle } from '../helpers/client-bundle.js';
import { toneTracks } from '../stream/fixtures.js';

let server: TestApp;
let f: RoomFixture;
let browser: Browser | undefined;

before(async () => {
  ensureClientBundle();
  server = await startTestApp({ ALLOW_ANONYMOUS_ROOMS: 'false', MEDIASOUP_WORKERS: '1' });
  f = await roomFixture(server.app);
  const form = new FormData();
  for (const track of toneTracks(2, 15))
    form.append('file', new Blob([new Uint8Array(fs.readFileSync(track.filePath))]), `${track.trackId}.flac`);
  const imported = await fetch(`${server.url}/api/music/import`, {
    method: 'POST',
    body: form,
    headers: { authorization: `Bearer ${f.owner.token}` },
  });
  assert.equal(imported.status, 201, await imported.clone().text());
});
after(async () => {
  await browser?.close();
  await server?.close();
});

test('search results and a plane point play next and take the room somewhere', { timeout: 120_000 }, async () => {
  browser = await launchChromium();
  const page = await browser.newPage();
  await page.goto(server.url);
  const session = {
    user: { id: f.owner.id, displayName: 'Owner', email: f.owner.email, guest: false },
    accessToken: f.owner.token,
    refreshToken: 'unused',
  };
  await page.evaluate((s) => localStorage.setItem('moodify.session', s), JSON.stringify(session));
  await page.reload();

  const director = server.app.services.music!.director;
  const roomKey = `room:${f.roomId}`;
  const search = page.locator('moodify-playlist-search');
  await search.getByLabel('Mood or words').fill('calm');
  await search.getByLabel('Mood or words').press('Enter');
  await search.getByText(/\d+ tracks for “calm”/).waitFor();
  await search.getByLabel('Room to steer').locator('option', { hasText: 'Open room' }).waitFor({ state: 'attached' });
  const firstRow = search.locator('tbody tr').first();
  const trackId = await firstRow.getAttribute('data-track');
  const title = await firstRow.locator('td').first().innerText();

  await firstRow.getByRole('button', { name: `Play ${title} next` }).click();
  await search.getByText(new RegExp(`“${title}” plays next in Open room`)).waitFor();
  assert.equal(director.queuedOf(roomKey)?.trackId, trackId);
  assert.equal(director.queuedOf(roomKey)?.by, 'Owner');

  await search.getByLabel('Get there over').selectOption('20');
  await firstRow.getByRole('button', { name: /Take the room to the mood of/ }).click();
  await search.getByText(/Taking Open room to calm over 20 minutes, in 10 steps/).waitFor();
  const journey = director.journeyOf(roomKey)!;
  assert.equal(journey.label, 'calm');
  assert.equal(journey.steps, 10);
  const track = director.library.find((t) => t.trackId === trackId)!;
  assert.deepEqual(journey.to, { valence: track.valence, arousal: track.arousal });

  await search.getByRole('button', { name: 'Stop the journey' }).click();
  await search.getByText(/journey in Open room stopped/).waitFor();
  assert.equal(director.journeyOf(roomKey), undefined);

  // A point on the plane (high valence, low arousal): taken as a destination named after its nearest mood.
  const plane = search.getByRole('button', { name: /Valence\/arousal plane/ });
  const box = (await plane.boundingBox())!;
  await plane.click({ position: { x: box.width * 0.9, y: box.height * 0.85 } });
  await search.getByText(/tracks for valence 0\.\d\d, arousal -0\.\d\d/).waitFor();
  await search.getByRole('group', { name: 'Steer the room with this mood' }).getByRole('button', { name: 'Take the room here' }).click();
  await search.getByText(/Taking Open room to \w+ over 20 minutes/).waitFor();
  const toPoint = director.journeyOf(roomKey)!;
  assert.ok(toPoint.to.valence > 0.5 && toPoint.to.arousal < -0.4, JSON.stringify(toPoint.to));
});
