/** Browser-test helpers for the client: an up-to-date bundle, and axe-core's verdict on a page. */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { ROOT } from './server-process.js';

const AXE_SOURCE = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** Rebuilds client/dist when a client source is newer than the bundle (as `npm test`'s setup would). */
export function ensureClientBundle(): void {
  const bundle = path.join(ROOT, 'client/dist/app.js');
  const newest = (dir: string): number =>
    Math.max(...fs.readdirSync(dir, { withFileTypes: true }).map((e) => (e.isDirectory() ? newest(path.join(dir, e.name)) : fs.statSync(path.join(dir, e.name)).mtimeMs)));
  if (!fs.existsSync(bundle) || fs.statSync(bundle).mtimeMs < newest(path.join(ROOT, 'client/src'))) {
    execFileSync(process.execPath, ['scripts/build-client.mjs'], { cwd: ROOT, stdio: 'ignore' });
  }
}

/** axe-core's serious and critical WCAG 2 A/AA violations on the page, as "rule (nodes): targets". */
export async function axeViolations(page: Page): Promise<string[]> {
  // Evaluated through the devtools protocol: the app's CSP (rightly) forbids injected inline scripts.
  await page.evaluate(AXE_SOURCE);
  const result = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(ctx: unknown, opts: unknown): Promise<{ violations: { id: string; impact: string; nodes: { target: unknown[] }[] }[] }> } }).axe;
    return axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa'] } });
  });
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.nodes.length}): ${v.nodes.slice(0, 3).map((n) => JSON.stringify(n.target)).join(' ')}`);
}
