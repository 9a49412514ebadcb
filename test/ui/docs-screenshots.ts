/**
 * The README's screenshots (docs/*.png), taken in real Chromium against the real app with its
 * real stream: the first screen, a room on a laptop with the camera on, and the same room on a
 * phone listening only. Run: node --import tsx test/ui/docs-screenshots.ts
 */
import path from 'node:path';

import { signUp } from '../accounts/test-app.js';
import { launchChromium } from '../helpers/browser.js';
import { ensureClientBundle } from '../helpers/client-bundle.js';
import { ROOT } from '../helpers/server-process.js';
import { audioLevel, signedInContext, startUiApp, userWithRoom, waitFor } from './fixtures.js';

const DOCS = path.join(ROOT, 'docs');

ensureClientBundle();
const server = await startUiApp();
const browser = await launchChromium();
try {
  const { session, roomId } = await userWithRoom(server, 'Dana', 'Friday dinner');
  const home = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
  await home.goto(server.url);
  await home.getByText('Music that reads the room.').waitFor();
  await home.screenshot({ path: path.join(DOCS, 'screenshot-home.png') });

  const laptop = await (await signedInContext(browser, server, session)).newPage();
  await laptop.goto(`${server.url}/room/${roomId}`);
  await laptop.getByRole('button', { name: 'Join with camera and microphone' }).click();
  await laptop
    .locator('moodify-consent')
    .getByLabel(/I have read this/)
    .check();
  await laptop.locator('moodify-consent').getByRole('button', { name: 'Start camera and microphone' }).click();
  await laptop.locator('moodify-capture[data-status="live"]').waitFor({ timeout: 60_000 });

  // A guest on a phone, listening only.
  const guest = await signUp(server.app, 'Gus');
  await server.app
    .inject({
      method: 'POST',
      url: `/api/rooms/${roomId}/invites`,
      headers: { authorization: `Bearer ${session.accessToken}` },
      payload: {},
    })
    .then(async (r) => {
      const token = new URL((r.json() as { url: string }).url, server.url).hash.replace('#invite=', '');
      await server.app.inject({
        method: 'POST',
        url: '/api/invites/accept',
        headers: { authorization: `Bearer ${guest.accessToken}` },
        payload: { token },
      });
    });
  const phone = await (await signedInContext(browser, server, guest, { width: 390, height: 844 })).newPage();
  await phone.goto(`${server.url}/room/${roomId}`);
  await phone.getByRole('button', { name: 'Listen only' }).click();
  await waitFor('music on the phone', 90_000, async () => (await audioLevel(phone)).rms > 0.01);
  await laptop
    .locator('moodify-group-mood [data-state="mood"]')
    .waitFor({ timeout: 60_000 })
    .catch(() => {});
  await laptop.waitForTimeout(3000);
  await laptop.screenshot({ path: path.join(DOCS, 'screenshot-room.png') });
  await phone.screenshot({ path: path.join(DOCS, 'screenshot-phone.png') });
  console.log('screenshots written to docs/');
} finally {
  await browser.close();
  await server.close();
}
