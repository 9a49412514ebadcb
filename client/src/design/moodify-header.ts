/**
 * `<moodify-header>`: the top bar of every page: the Moodify wordmark (a link home), an optional
 * title (a room's name), and a slot for the page's own actions on the right.
 */
import { css, html, LitElement } from 'lit';
import { customElement, property } from 'lit/decorators.js';

import { base, tokens } from './tokens.js';

@customElement('moodify-header')
export class MoodifyHeader extends LitElement {
  static override styles = [
    tokens,
    base,
    css`
      :host { display: block; border-bottom: 1px solid var(--md-border); background: color-mix(in srgb, var(--md-surface) 85%, transparent); backdrop-filter: blur(8px); position: sticky; top: 0; z-index: 10; }
      .bar { max-width: var(--md-page-width); margin: 0 auto; padding: var(--md-space-3) var(--md-space-4); display: flex; align-items: center; gap: var(--md-space-3); min-height: 3.5rem; }
      a.brand { display: inline-flex; align-items: center; gap: var(--md-space-2); font-weight: 800; font-size: var(--md-text-l); color: var(--md-text); text-decoration: none; letter-spacing: -0.02em; flex: none; }
      .logo { width: 1.75rem; height: 1.75rem; border-radius: 50%; background: conic-gradient(from 200deg, var(--md-mood-sad), var(--md-mood-surprise), var(--md-mood-happy), var(--md-mood-angry), var(--md-mood-fear), var(--md-mood-sad)); }
      .title { min-width: 0; flex: 1 1 auto; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; font-weight: 600; color: var(--md-text-muted); }
      .title::before { content: '/'; margin-right: var(--md-space-3); color: var(--md-border); }
      .spacer { flex: 1 1 auto; }
      .actions { display: flex; gap: var(--md-space-2); align-items: center; flex: none; }
      /* On a phone a page's title needs the room: the wordmark keeps its logo only. */
      @media (max-width: 480px) { .titled .brand-name { display: none; } }
    `,
  ];

  /** What the page is about (e.g. the room's name); shown after the wordmark. */
  @property() heading = '';

  override render() {
    return html`<div class="bar ${this.heading ? 'titled' : ''}">
      <a class="brand" href="/" aria-label="Moodify home"><span class="logo" aria-hidden="true"></span><span class="brand-name">Moodify</span></a>
      ${this.heading ? html`<span class="title" title=${this.heading}>${this.heading}</span>` : html`<span class="spacer"></span>`}
      <div class="actions"><slot></slot></div>
    </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'moodify-header': MoodifyHeader;
  }
}
