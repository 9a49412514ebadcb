/** Browser-test helpers for the client: an up-to-date bundle, and axe-core's verdict on a page. */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

import type { Page } from 'playwright-core';

import { ROOT } from './server-process.js';

const AXE_SOURCE = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** Rebuilds client/dist when a client source (client/src, or vocabulary/ it shares with the server) is newer than the bundle (as `npm test`'s setup would). */
export function ensureClientBundle(): void {
  const bundle = path.join(ROOT, 'client/dist/app.js');
  const newest = (dir: string): number =>
    Math.max(
      ...fs
        .readdirSync(dir, { withFileTypes: true })
        .map((e) => (e.isDirectory() ? newest(path.join(dir, e.name)) : fs.statSync(path.join(dir, e.name)).mtimeMs)),
    );
  if (
    !fs.existsSync(bundle) ||
    fs.statSync(bundle).mtimeMs < Math.max(newest(path.join(ROOT, 'client/src')), newest(path.join(ROOT, 'vocabulary')))
  ) {
    execFileSync(process.execPath, ['scripts/build-client.mjs'], { cwd: ROOT, stdio: 'ignore' });
  }
}

/** axe-core's serious and critical WCAG 2 A/AA violations on the page, as "rule (nodes): targets". */
export async function axeViolations(page: Page): Promise<string[]> {
  // Evaluated through the devtools protocol: the app's CSP (rightly) forbids injected inline scripts.
  await page.evaluate(AXE_SOURCE);
  const result = await page.evaluate(async () => {
    const axe = (
      window as unknown as {
        axe: {
          run(ctx: unknown, opts: unknown): Promise<{ violations: { id: string; impact: string; nodes: { target: unknown[] }[] }[] }>;
        };
      }
    ).axe;
    return axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa'] } });
  });
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map(
      (v) =>
        `${v.id} (${v.nodes.length}): ${v.nodes
          .slice(0, 3)
          .map((n) => JSON.stringify(n.target))
          .join(' ')}`,
    );
}

/**
 * Marks every enabled, visible control on the page (through open shadow roots) with a
 * data-kb-id. A string, not a function: tsx would wrap a function's inner helpers in a `__name`
 * the page does not have.
 */
const MARK_CONTROLS = `(() => {
  const controls = [];
  const walk = (root) => {
    for (const el of root.querySelectorAll('*')) {
      const interactive = el.matches('button, input, select, textarea, a[href], [role=button], [tabindex]:not([tabindex="-1"])');
      const box = el.getBoundingClientRect();
      if (interactive && !el.disabled && box.width > 0 && box.height > 0) {
        el.dataset.kbId = String(controls.length);
        controls.push({ id: String(controls.length), radio: el.matches('input[type=radio]') ? el.name : '', label: el.getAttribute('aria-label') || el.textContent.trim().slice(0, 40) || el.name || el.tagName });
      }
      if (el.shadowRoot) walk(el.shadowRoot);
    }
  };
  walk(document);
  return controls;
})()`;

const FOCUSED = `(() => {
  let a = document.activeElement;
  while (a && a.shadowRoot && a.shadowRoot.activeElement) a = a.shadowRoot.activeElement;
  return a && a.dataset ? a.dataset.kbId ?? null : null;
})()`;

/**
 * Presses Tab through the page and answers the controls it never reached. A radio group counts
 * as reached when one of its radios is (the arrow keys move within a group).
 */
export async function controlsNotReachedByTab(page: Page): Promise<string[]> {
  const controls = (await page.evaluate(MARK_CONTROLS)) as { id: string; radio: string; label: string }[];
  const reached = new Set<string>();
  await page.evaluate('document.activeElement && document.activeElement.blur && document.activeElement.blur()');
  for (let i = 0; i < controls.length * 2 + 5; i++) {
    await page.keyboard.press('Tab');
    const id = (await page.evaluate(FOCUSED)) as string | null;
    if (id !== null) reached.add(id);
  }
  const reachedGroups = new Set(controls.filter((c) => c.radio && reached.has(c.id)).map((c) => c.radio));
  return controls.filter((c) => !reached.has(c.id) && !(c.radio && reachedGroups.has(c.radio))).map((c) => c.label);
}
