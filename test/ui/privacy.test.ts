/**
 * Trust in the privacy controls (issue #13, item 9), in real Chromium: the owner's invite has a
 * copy button that puts the link on the clipboard and a QR code; "Delete my data" in the
 * dashboard stops the camera and microphone in the open room tab first, then says in words what
 * it deleted; the history shows it at once.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

import type { Browser } from 'playwright-core';

import type { TestApp } from '../helpers/app.js';
import { launchChromium } from '../helpers/browser.js';
import { axeViolations, ensureClientBundle } from '../helpers/client-bundle.js';
import { ARTIFACTS, signedInContext, startUiApp, userWithRoom } from './fixtures.js';

test(
  'invite: copy button and QR code; delete my data: capture stops first, the deletion is said in words, history empties',
  { timeout: 300_000 },
  async (t) => {
    ensureClientBundle();
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    let server: TestApp | undefined;
    let browser: Browser | undefined;
    try {
      server = await startUiApp();
      const { session, roomId } = await userWithRoom(server, 'Dana', 'Living room');
      browser = await launchChromium();
      const context = await signedInContext(browser, server, session);
      await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });

      // The room tab sends camera and microphone.
      const room = await context.newPage();
      room.on('pageerror', (e) => t.diagnostic(`[room pageerror] ${e.message}`));
      await room.goto(`${server.url}/room/${roomId}`);
      await room.getByRole('button', { name: 'Join with camera and microphone' }).click();
      await room
        .locator('moodify-consent')
        .getByLabel(/I have read this/)
        .check();
      await room.locator('moodify-consent').getByRole('button', { name: 'Start camera and microphone' }).click();
      await room.locator('moodify-capture[data-status="live"]').waitFor({ timeout: 60_000 });

      // The dashboard tab: an invite with a copy button and a QR code.
      const dashboard = await context.newPage();
      await dashboard.goto(server.url);
      await dashboard.locator('moodify-rooms').getByRole('button', { name: 'Invite to Living room' }).click();
      await dashboard.locator('moodify-invite').getByRole('button', { name: 'Create invite link' }).click();
      const qr = dashboard.locator('moodify-invite').getByRole('img', { name: /QR code of the invite link/ });
      await qr.waitFor();
      assert.ok((await qr.locator('svg path').count()) > 0, 'the QR code is drawn');
      const link = await dashboard.locator('moodify-invite').getByLabel('Invite link', { exact: true }).inputValue();
      assert.match(link, /#invite=/);
      await dashboard.locator('moodify-invite').getByRole('button', { name: 'Copy link' }).click();
      await dashboard.locator('moodify-invite').getByText('Copied').first().waitFor();
      assert.equal(await dashboard.evaluate('navigator.clipboard.readText()'), link, 'the link is on the clipboard');
      assert.deepEqual(await axeViolations(dashboard), [], 'the dashboard with an invite open');
      await dashboard.screenshot({ path: path.join(ARTIFACTS, 'invite-qr-laptop.png') });

      // Delete my data: the room tab's capture stops before the server deletes; the answer is in words.
      const order: string[] = [];
      server.app.services.events.on('peerLeft', (peer) => peer.roomId === roomId && order.push('capture stopped'));
      (server.app.services.events as unknown as { on(e: string, l: () => void): void }).on('userDataDeleted', () =>
        order.push('data deleted'),
      );
      dashboard.on('dialog', (dialog) => void dialog.accept());
      await dashboard.locator('moodify-dashboard').getByRole('button', { name: 'Delete my data' }).click();
      const notice = dashboard.locator('moodify-dashboard [data-deleted]');
      await notice.waitFor({ timeout: 30_000 });
      const said = await notice.innerText();
      t.diagnostic(said);
      assert.match(said, /^(Deleted .+\.|There was nothing stored about you to delete\.)/);
      assert.match(said, /camera and microphone were stopped first in the open room/);
      await room.getByText('Your camera and microphone were stopped because you deleted your data.').waitFor();
      assert.equal(await room.locator('moodify-capture').count(), 0, 'the room tab sends nothing any more');
      assert.deepEqual(order, ['capture stopped', 'data deleted'], 'capture stopped before the deletion');
      await dashboard.locator('moodify-history [data-samples="0"]').waitFor();
      await dashboard.screenshot({ path: path.join(ARTIFACTS, 'deleted-laptop.png'), fullPage: true });
    } finally {
      await browser?.close();
      await server?.close();
    }
  },
);
