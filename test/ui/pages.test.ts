/**
 * Every page of the product as a person sees it (issue #13), in real Chromium at 390×844 (a
 * phone), 1280×800 (a laptop) and 1920×1080 (a TV), light and dark: a screenshot of each under
 * test-artifacts/ui/, no sideways scrolling, and no serious or critical axe-core violation. The
 * first screen says what Moodify is and its privacy promise, without server diagnostics; the
 * room is called by its name, never its id.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

import type { Browser, Page } from 'playwright-core';

import type { TestApp } from '../helpers/app.js';
import { launchChromium } from '../helpers/browser.js';
import { axeViolations, ensureClientBundle } from '../helpers/client-bundle.js';
import { ARTIFACTS, horizontalOverflow, signedInContext, SIZES, startUiApp, userWithRoom, visibleText } from './fixtures.js';

interface PageCase {
  name: string;
  signedIn: boolean;
  open(page: Page): Promise<void>;
  /** Not at every size (the ambient view's button hides on a phone). */
  sizes?: readonly string[];
}

test(
  'every page at phone, laptop and TV sizes: screenshots, no horizontal overflow, no serious axe violations',
  { timeout: 600_000 },
  async (t) => {
    ensureClientBundle();
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    let server: TestApp | undefined;
    let browser: Browser | undefined;
    try {
      server = await startUiApp();
      const base = server.url;
      const { session, roomId } = await userWithRoom(server, 'Dana', 'Living room with a rather long name for a small phone screen');
      const invite = (
        await server.app.inject({
          method: 'POST',
          url: `/api/rooms/${roomId}/invites`,
          headers: { authorization: `Bearer ${session.accessToken}` },
          payload: {},
        })
      ).json() as { url: string };
      browser = await launchChromium();

      const cases: PageCase[] = [
        {
          name: 'home',
          signedIn: false,
          open: async (p) => {
            await p.goto(base);
            await p.getByText('Music that reads the room.').waitFor();
          },
        },
        {
          name: 'invite',
          signedIn: false,
          open: async (p) => {
            await p.goto(new URL(invite.url, base).toString());
            await p.getByLabel('Your name in the room').waitFor();
          },
        },
        {
          name: 'dashboard',
          signedIn: true,
          open: async (p) => {
            await p.goto(base);
            await p.locator('moodify-rooms li').first().waitFor();
            await p.locator('moodify-history [data-samples]').waitFor();
          },
        },
        {
          name: 'room-entry',
          signedIn: true,
          open: async (p) => {
            await p.goto(`${base}/room/${roomId}`);
            await p.getByRole('button', { name: 'Listen only' }).waitFor();
          },
        },
        {
          name: 'room-listening',
          signedIn: true,
          open: async (p) => {
            await p.goto(`${base}/room/${roomId}`);
            await p.getByRole('button', { name: 'Listen only' }).click();
            await p.locator('moodify-now-playing .why').waitFor({ timeout: 90_000 });
          },
        },
        {
          name: 'room-ambient',
          signedIn: true,
          sizes: ['laptop', 'tv'],
          open: async (p) => {
            await p.goto(`${base}/room/${roomId}`);
            await p.getByRole('button', { name: 'Listen only' }).click();
            await p.locator('moodify-now-playing .why').waitFor({ timeout: 90_000 });
            await p.getByRole('button', { name: 'Ambient view' }).click();
            await p.locator('moodify-room-ambient .mood').waitFor();
          },
        },
        {
          name: 'room-missing',
          signedIn: true,
          open: async (p) => {
            await p.goto(`${base}/room/00000000-0000-4000-8000-000000000000`);
            await p.getByText('This room does not exist').waitFor();
          },
        },
        {
          name: 'listen',
          signedIn: true,
          open: async (p) => {
            await p.goto(`${base}/listen/${roomId}`);
            await p.locator('moodify-player').waitFor();
            await p.waitForTimeout(1500);
          },
        },
      ];

      const problems: string[] = [];
      for (const scheme of ['light', 'dark'] as const) {
        for (const size of SIZES) {
          // Dark mode at the laptop size only: the colours change, not the layout.
          if (scheme === 'dark' && size.name !== 'laptop') continue;
          const signedIn = await signedInContext(browser, server, session, { width: size.width, height: size.height }, scheme);
          const anonymous = await browser.newContext({ viewport: { width: size.width, height: size.height }, colorScheme: scheme });
          for (const c of cases) {
            if (c.sizes && !c.sizes.includes(size.name)) continue;
            const label = `${c.name} at ${size.width}×${size.height}${scheme === 'dark' ? ' (dark)' : ''}`;
            const page = await (c.signedIn ? signedIn : anonymous).newPage();
            try {
              await c.open(page);
              await page.screenshot({
                path: path.join(ARTIFACTS, `${c.name}-${size.name}${scheme === 'dark' ? '-dark' : ''}.png`),
                fullPage: true,
              });
              const overflow = await horizontalOverflow(page);
              if (overflow > 0) problems.push(`${label}: ${overflow} px of horizontal overflow`);
              for (const v of await axeViolations(page)) problems.push(`${label}: axe ${v}`);
              const text = await visibleText(page);
              if (text.includes(roomId)) problems.push(`${label}: shows the room id`);
              if (/media workers|database pglite|pglite up/i.test(text)) problems.push(`${label}: shows server diagnostics`);
            } catch (err) {
              problems.push(`${label}: ${(err as Error).message.split('\n')[0]}`);
              await page.screenshot({ path: path.join(ARTIFACTS, `${c.name}-${size.name}-failed.png`), fullPage: true }).catch(() => {});
            } finally {
              await page.close();
            }
          }
          await signedIn.close();
          await anonymous.close();
        }
      }
      for (const p of problems) t.diagnostic(p);
      assert.deepEqual(problems, []);
    } finally {
      await browser?.close();
      await server?.close();
    }
  },
);
