/**
 * Moodify's design system in one place: colours (light and dark, following the viewer's
 * prefers-color-scheme), a type scale, spacing, radii and shadows, as CSS custom properties
 * named `--md-…`.
 *
 * Use: put `tokens` first in a component's `static styles` (it defines the properties on the
 * component's `:host`, so a component works even on a page that did not load them), then
 * `base` for the shared look of buttons, inputs, cards and focus rings, and style everything
 * else with `var(--md-…)`. `applyDocumentTokens()` sets them on the page itself (background,
 * text colour, font) once per page.
 *
 * Colours were chosen for contrast: text on background and on surfaces is at least 7:1, muted
 * text at least 4.5:1, accent-contrast text on the accent at least 4.5:1 (WCAG AA), in both schemes.
 */
import { css, type CSSResult } from 'lit';

const light = css`
  --md-bg: #f6f5fa;
  --md-surface: #ffffff;
  --md-surface-2: #eeecf5;
  --md-text: #16151c;
  --md-text-muted: #55546a;
  --md-border: #d4d1e0;
  --md-accent: #5433c9;
  --md-accent-hover: #4427ad;
  --md-accent-soft: #e9e4fb;
  --md-accent-contrast: #ffffff;
  --md-danger: #b3261e;
  --md-danger-soft: #fbe9e7;
  --md-success: #1b6e3a;
  --md-success-soft: #e4f4ea;
  --md-warning: #8a5300;
  --md-warning-soft: #fff1da;
  --md-focus: #1f6feb;
  --md-shadow: 0 1px 2px rgb(20 16 40 / 0.06), 0 4px 16px rgb(20 16 40 / 0.06);
  color-scheme: light;
`;

const dark = css`
  --md-bg: #111017;
  --md-surface: #1b1a23;
  --md-surface-2: #26242f;
  --md-text: #f2f1f7;
  --md-text-muted: #aeacbf;
  --md-border: #3a3847;
  --md-accent: #b6a4ff;
  --md-accent-hover: #cbbdff;
  --md-accent-soft: #2d2747;
  --md-accent-contrast: #16121f;
  --md-danger: #ffb4ab;
  --md-danger-soft: #3b1d1b;
  --md-success: #8fdca8;
  --md-success-soft: #17301f;
  --md-warning: #ffc978;
  --md-warning-soft: #35280f;
  --md-focus: #7fb2ff;
  --md-shadow: 0 1px 2px rgb(0 0 0 / 0.4), 0 6px 24px rgb(0 0 0 / 0.35);
  color-scheme: dark;
`;

/** Scheme-independent tokens: type, spacing, radii, and one colour per emotion. */
const scale = css`
  --md-font: 'Inter', system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', sans-serif;
  --md-font-mono: ui-monospace, 'SF Mono', Menlo, Consolas, monospace;
  --md-text-xs: 0.75rem;
  --md-text-s: 0.875rem;
  --md-text-m: 1rem;
  --md-text-l: 1.25rem;
  --md-text-xl: 1.6rem;
  --md-text-2xl: 2.1rem;
  --md-text-3xl: clamp(2.2rem, 5vw, 3.4rem);
  --md-leading: 1.5;
  --md-space-1: 0.25rem;
  --md-space-2: 0.5rem;
  --md-space-3: 0.75rem;
  --md-space-4: 1rem;
  --md-space-5: 1.5rem;
  --md-space-6: 2rem;
  --md-space-7: 3rem;
  --md-space-8: 4rem;
  --md-radius-s: 6px;
  --md-radius-m: 12px;
  --md-radius-l: 20px;
  --md-radius-pill: 999px;
  --md-page-width: 72rem;
  --md-mood-angry: #e5484d;
  --md-mood-disgust: #8d6e63;
  --md-mood-fear: #8e4ec6;
  --md-mood-happy: #f5b82e;
  --md-mood-sad: #3e7bfa;
  --md-mood-surprise: #12a594;
  --md-mood-neutral: #8b8d98;
`;

/** The custom properties on a component's host; dark values where the viewer prefers dark. */
export const tokens: CSSResult = css`
  :host {
    ${scale}
    ${light}
  }
  @media (prefers-color-scheme: dark) {
    :host {
      ${dark}
    }
  }
`;

/** Shared element styles: type, buttons (primary, quiet, danger), inputs, cards, focus rings. */
export const base: CSSResult = css`
  :host {
    font-family: var(--md-font);
    line-height: var(--md-leading);
    color: var(--md-text);
  }
  *, *::before, *::after { box-sizing: border-box; }
  h1, h2, h3, h4 { line-height: 1.2; margin: 0 0 var(--md-space-3); font-weight: 650; letter-spacing: -0.01em; }
  h1 { font-size: var(--md-text-2xl); }
  h2 { font-size: var(--md-text-xl); }
  h3 { font-size: var(--md-text-l); }
  p { margin: 0 0 var(--md-space-3); }
  a { color: var(--md-accent); text-underline-offset: 0.15em; }
  button, .button {
    font: inherit;
    font-weight: 600;
    font-size: var(--md-text-s);
    display: inline-flex;
    align-items: center;
    justify-content: center;
    gap: var(--md-space-2);
    min-height: 2.5rem;
    padding: var(--md-space-2) var(--md-space-4);
    border-radius: var(--md-radius-pill);
    border: 1px solid var(--md-border);
    background: var(--md-surface);
    color: var(--md-text);
    cursor: pointer;
    text-decoration: none;
    transition: background 120ms ease, border-color 120ms ease, transform 80ms ease;
  }
  button:hover:not(:disabled), .button:hover { border-color: var(--md-text-muted); }
  button:active:not(:disabled) { transform: scale(0.98); }
  button:disabled { opacity: 0.55; cursor: not-allowed; }
  button.primary, .button.primary { background: var(--md-accent); border-color: var(--md-accent); color: var(--md-accent-contrast); }
  button.primary:hover:not(:disabled), .button.primary:hover { background: var(--md-accent-hover); border-color: var(--md-accent-hover); }
  button.quiet { background: transparent; border-color: transparent; }
  button.quiet:hover:not(:disabled) { background: var(--md-surface-2); border-color: transparent; }
  button.danger { color: var(--md-danger); border-color: currentColor; background: transparent; }
  button.danger:hover:not(:disabled) { background: var(--md-danger-soft); border-color: currentColor; }
  input, select, textarea {
    font: inherit;
    font-size: var(--md-text-m);
    color: var(--md-text);
    background: var(--md-surface);
    border: 1px solid var(--md-border);
    border-radius: var(--md-radius-s);
    padding: var(--md-space-2) var(--md-space-3);
    min-height: 2.5rem;
    max-width: 100%;
  }
  /* A long option (a room's name) must not widen its form past a phone's screen. */
  label { max-width: 100%; min-width: 0; }
  select { min-width: 0; text-overflow: ellipsis; }
  input[type='checkbox'], input[type='radio'] { min-height: 0; accent-color: var(--md-accent); width: 1.1rem; height: 1.1rem; }
  input[type='range'] { accent-color: var(--md-accent); padding: 0; border: 0; background: transparent; }
  :focus-visible { outline: 3px solid var(--md-focus); outline-offset: 2px; }
  .card {
    background: var(--md-surface);
    border: 1px solid var(--md-border);
    border-radius: var(--md-radius-m);
    padding: var(--md-space-5);
    box-shadow: var(--md-shadow);
    min-width: 0;
  }
  .muted { color: var(--md-text-muted); }
  .small { font-size: var(--md-text-s); }
  .eyebrow { font-size: var(--md-text-xs); text-transform: uppercase; letter-spacing: 0.08em; font-weight: 700; color: var(--md-text-muted); margin: 0 0 var(--md-space-2); }
  .error { color: var(--md-danger); background: var(--md-danger-soft); border-radius: var(--md-radius-s); padding: var(--md-space-2) var(--md-space-3); }
  .notice { background: var(--md-success-soft); color: var(--md-success); border-radius: var(--md-radius-s); padding: var(--md-space-2) var(--md-space-3); }
  .visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
  details > summary { cursor: pointer; color: var(--md-text-muted); font-size: var(--md-text-s); }
  @media (prefers-reduced-motion: reduce) {
    *, *::before, *::after { transition: none !important; animation: none !important; }
  }
`;

/** The tokens on the document itself (so the page background and scrollbars follow the scheme). */
export function applyDocumentTokens(doc: Document = document): void {
  if (doc.getElementById('moodify-tokens')) return;
  const style = doc.createElement('style');
  style.id = 'moodify-tokens';
  style.textContent = `
    :root { ${scale.cssText} ${light.cssText} }
    @media (prefers-color-scheme: dark) { :root { ${dark.cssText} } }
    html { background: var(--md-bg); color: var(--md-text); font-family: var(--md-font); -webkit-text-size-adjust: 100%; }
    /* A TV across the room: everything in rem grows a quarter, so type reads from the sofa. */
    @media (min-width: 1800px) { html { font-size: 125%; } }
    body { margin: 0; min-height: 100vh; background: var(--md-bg); }
  `;
  doc.head.append(style);
}

/** The colour of an emotion (as a CSS value), for mood badges and the ambient view. */
export function moodColour(emotion: string): string {
  return `var(--md-mood-${emotion.replace(/[^a-z]/g, '')}, var(--md-mood-neutral))`;
}
