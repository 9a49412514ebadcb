import { css, html, LitElement } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';

import { base, tokens } from '../design/tokens.js';
import { CONSENT_POINTS, CONSENT_TITLE } from './privacy-text.js';
import { api } from './session.js';

/**
 * The consent step before capture. Nothing starts until the box is ticked and "Start" pressed;
 * then the consent is recorded (PUT /api/me/settings) and a `consent-given` event fires.
 * "Not now" fires `consent-declined`.
 */
@customElement('moodify-consent')
export class MoodifyConsent extends LitElement {
  static override styles = [
    tokens,
    base,
    css`
    :host { display: block; }
    h2 { margin-top: 0; font-size: var(--md-text-l); }
    dl { display: grid; gap: var(--md-space-3); margin: 0; }
    dt { font-weight: 700; }
    dd { margin: var(--md-space-1) 0 0; color: var(--md-text-muted); font-size: var(--md-text-s); }
    .actions { display: flex; gap: var(--md-space-3); align-items: center; margin-top: var(--md-space-4); flex-wrap: wrap; }
    .actions label { display: flex; gap: var(--md-space-2); align-items: start; font-weight: 600; }
    .actions label input { margin-top: 0.2em; flex: none; }
  `,
  ];

  /** Whether to record the consent on the server (a signed-in session exists). */
  @property({ type: Boolean }) record = true;
  @state() private agreed = false;
  @state() private error = '';

  private async accept(): Promise<void> {
    if (!this.agreed) return;
    try {
      if (this.record) await api('PUT', '/api/me/settings', { consent: true });
      this.dispatchEvent(new CustomEvent('consent-given', { bubbles: true, composed: true }));
    } catch (err) {
      this.error = String((err as Error).message ?? err);
    }
  }

  override render() {
    return html`
      <section aria-labelledby="consent-title">
        <h2 id="consent-title">${CONSENT_TITLE}</h2>
        <dl>
          ${CONSENT_POINTS.map((p) => html`<dt>${p.heading}</dt><dd>${p.text}</dd>`)}
        </dl>
        <div class="actions">
          <label>
            <input id="agree" type="checkbox" .checked=${this.agreed} @change=${(e: Event) => (this.agreed = (e.target as HTMLInputElement).checked)} />
            I have read this and want my face and voice analysed while I am in the room
          </label>
        </div>
        <div class="actions">
          <button type="button" class="primary" ?disabled=${!this.agreed} @click=${() => void this.accept()}>Start camera and microphone</button>
          <button type="button" class="quiet" @click=${() => this.dispatchEvent(new CustomEvent('consent-declined', { bubbles: true, composed: true }))}>Not now</button>
        </div>
        ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : ''}
      </section>
    `;
  }
}
