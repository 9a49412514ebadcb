/**
 * The dashboard shell in headless Chromium against the real server: sign up → create a room →
 * consent step (recorded on the server) → the room page, which joins over signalling with the
 * access token (admitted by room membership) without the token ever appearing in a URL; a guest
 * joins by invite link and each sees the other in the room's presence list. axe-core checks the
 * sign-up form and the consent step; screenshots go to test-artifacts/accounts/.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

import { eq } from 'drizzle-orm';
import type { Browser } from 'playwright-core';

import { users, userSettings } from '../../sql/schema.js';
import { startTestApp } from '../helpers/app.js';
import { launchChromium } from '../helpers/browser.js';
import { axeViolations, ensureClientBundle } from '../helpers/client-bundle.js';
import { ROOT } from '../helpers/server-process.js';

const ARTIFACTS = path.join(ROOT, 'test-artifacts', 'accounts');

test('dashboard: sign up, create a room, consent, then the room page; a guest joins by invite link', async () => {
  ensureClientBundle();
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const server = await startTestApp({ MEDIASOUP_WORKERS: '1', LOG_LEVEL: 'silent' });
  // Launched inside try: a browser that fails to start must not leave the server running.
  let browser: Browser | undefined;
  try {
    browser = await launchChromium();
    const page = await browser.newPage();
    await page.goto(server.url);
    const dashboard = page.locator('moodify-dashboard');
    await dashboard.getByLabel('Display name').fill('Dana');
    await dashboard.getByLabel('E-mail').fill('dana@example.org');
    await dashboard.getByLabel(/Password/).fill('a long enough password');
    assert.deepEqual(await axeViolations(page), [], 'sign-up form');
    await page.screenshot({ path: path.join(ARTIFACTS, '1-sign-up.png') });
    // Keyboard only: submit with Enter.
    await dashboard.getByLabel(/Password/).press('Enter');
    await dashboard.getByText('Signed in as').waitFor();

    await dashboard.getByLabel('Room name').fill('Living room');
    await dashboard.getByRole('button', { name: 'Create room' }).click();
    const consent = page.locator('moodify-consent');
    await consent.getByText('What is never stored').waitFor();
    const text = await consent.locator('section').innerText();
    for (const phrase of [
      'What is analysed',
      'What is stored',
      'never written to disk or to the database',
      'workplace or school monitoring',
    ]) {
      assert.ok(text.includes(phrase), `consent text says "${phrase}"`);
    }
    const start = consent.getByRole('button', { name: 'Start camera and microphone' });
    assert.equal(await start.isDisabled(), true, 'nothing starts before the box is ticked');
    assert.deepEqual(await axeViolations(page), [], 'consent step');
    await page.screenshot({ path: path.join(ARTIFACTS, '2-consent.png'), fullPage: true });
    const requested: string[] = [];
    page.on('request', (request) => requested.push(request.url()));
    const joined = new Promise<{ userId?: string; roomId: string }>((resolve) => server.app.services.events.once('peerJoined', resolve));
    await consent.getByLabel(/I have read this/).check();
    await start.click();
    await page.waitForURL(/\/room\/[0-9a-f-]{36}\?/);

    const db = server.app.services.database.db;
    const [dana] = await db.select().from(users).where(eq(users.email, 'dana@example.org'));
    const [settings] = await db.select().from(userSettings).where(eq(userSettings.userId, dana!.id));
    assert.ok(settings?.consentedAt, 'the consent is recorded');
    const roomId = /\/room\/([0-9a-f-]{36})/.exec(page.url())![1]!;
    // The room page joins over signalling with the access token: accounts admit Dana as the owner.
    let timer: NodeJS.Timeout | undefined;
    const peer = await Promise.race([
      joined,
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('no signalling join within 30 s')), 30_000))),
    ]);
    clearTimeout(timer);
    assert.deepEqual({ userId: peer.userId, roomId: peer.roomId }, { userId: dana!.id, roomId });
    await page.screenshot({ path: path.join(ARTIFACTS, '3-room.png') });
    // The token never travelled in an address: not to the server, not in the history.
    const session = JSON.parse((await page.evaluate(() => localStorage.getItem('moodify.session')))!) as { accessToken: string };
    assert.ok(!page.url().includes('token='), page.url());
    assert.deepEqual(
      requested.filter((u) => u.includes(session.accessToken)),
      [],
    );

    // A guest follows the owner's invite link in another browser context: name, consent, room.
    const invite = (
      await server.app.inject({
        method: 'POST',
        url: `/api/rooms/${roomId}/invites`,
        headers: { authorization: `Bearer ${session.accessToken}` },
        payload: {},
      })
    ).json() as { url: string };
    const guestPage = await (await browser.newContext()).newPage();
    await guestPage.goto(new URL(invite.url, server.url).toString());
    const guestJoined = new Promise<{ userId?: string; roomId: string; displayName: string }>((resolve) =>
      server.app.services.events.once('peerJoined', resolve),
    );
    await guestPage.locator('moodify-dashboard').getByLabel('Your name in the room').fill('Gus');
    await guestPage.locator('moodify-dashboard').getByRole('button', { name: 'Join as a guest' }).click();
    await guestPage
      .locator('moodify-consent')
      .getByLabel(/I have read this/)
      .check();
    await guestPage.locator('moodify-consent').getByRole('button', { name: 'Start camera and microphone' }).click();
    const guest = await Promise.race([
      guestJoined,
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('no guest join within 30 s')), 30_000))),
    ]);
    clearTimeout(timer);
    assert.equal(guest.roomId, roomId);
    assert.equal(guest.displayName, 'Gus');
    const [gus] = await db.select().from(users).where(eq(users.id, guest.userId!));
    assert.equal(gus?.passwordHash, null, 'a guest account, without password');
    // Group room presence: each sees the other in the room's live view.
    await page.locator('moodify-presence').getByText('Gus').waitFor({ timeout: 30_000 });
    await guestPage.locator('moodify-presence').getByText('Dana').waitFor({ timeout: 30_000 });
    await guestPage.screenshot({ path: path.join(ARTIFACTS, '4-guest-room.png') });
  } finally {
    await browser?.close();
    await server.close();
  }
});
