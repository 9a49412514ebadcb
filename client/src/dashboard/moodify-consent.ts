import { LitElement, css, html } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { CONSENT_POINTS, CONSENT_TITLE } from './privacy-text.js';
import { api } from './session.js';

/**
 * The consent step before capture. Nothing starts until the box is ticked and "Start" pressed;
 * then the consent is recorded (PUT /api/me/settings) and a `consent-given` event fires.
 * "Not now" fires `consent-declined`.
 */
@customElement('moodify-consent')
export class MoodifyConsent extends LitElement {
  static override styles = css`
    :host { display: block; border: 1px solid #888; border-radius: 8px; padding: 1rem 1.25rem; }
    h2 { margin-top: 0; }
    dt { font-weight: 600; margin-top: 0.75rem; }
    dd { margin: 0.25rem 0 0; }
    .actions { display: flex; gap: 0.75rem; align-items: center; margin-top: 1rem; flex-wrap: wrap; }
    .error { color: #a00; }
  `;

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
          <button type="button" ?disabled=${!this.agreed} @click=${() => void this.accept()}>Start camera and microphone</button>
          <button type="button" @click=${() => this.dispatchEvent(new CustomEvent('consent-declined', { bubbles: true, composed: true }))}>Not now</button>
        </div>
        ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : ''}
      </section>
    `;
  }
}
