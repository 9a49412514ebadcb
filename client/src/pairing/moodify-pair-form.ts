import { css, html, LitElement, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';

import { base, tokens } from '../design/tokens.js';
import { claimCode, ClaimError } from './paired-screens.js';

/**
 * The TV's side of pairing: where to find a code, a field to type it in (or a note that the QR
 * code does it for you), and the claim. Fires `paired` (detail: ScreenPairing) on success.
 */
@customElement('moodify-pair-form')
export class MoodifyPairForm extends LitElement {
  static override styles = [
    tokens,
    base,
    css`
      :host { display: block; min-width: 0; }
      ol { margin: 0 0 var(--md-space-5); padding-left: 1.4em; display: grid; gap: var(--md-space-2); font-size: var(--md-text-l); }
      form { display: flex; flex-wrap: wrap; gap: var(--md-space-3); align-items: end; }
      label { display: grid; gap: var(--md-space-1); font-weight: 600; min-width: 0; flex: 1 1 12rem; }
      input {
        font-family: var(--md-font-mono);
        font-size: clamp(1.6rem, 4vw, 3rem);
        letter-spacing: 0.2em;
        text-transform: uppercase;
        width: 100%;
        max-width: 14ch;
        min-height: 0;
        padding: var(--md-space-2) var(--md-space-3);
      }
      button { font-size: clamp(1rem, 1.6vw, 1.6rem); min-height: 3rem; padding-inline: var(--md-space-5); }
      .error { margin-top: var(--md-space-4); font-size: var(--md-text-l); }
    `,
  ];

  /** An explanation to show above the steps (why this screen is asking). */
  @property() reason = '';

  @state() private busy = false;
  @state() private error = '';

  private async submit(event: Event): Promise<void> {
    event.preventDefault();
    const input = this.renderRoot.querySelector('input')!;
    const code = input.value.trim();
    if (!code) {
      this.error = 'Type the code shown in the room first.';
      input.focus();
      return;
    }
    this.busy = true;
    this.error = '';
    try {
      const pairing = await claimCode(code);
      this.dispatchEvent(new CustomEvent('paired', { detail: pairing, bubbles: true, composed: true }));
    } catch (err) {
      this.error = err instanceof ClaimError ? err.message : 'Pairing failed. Try again.';
      input.select();
    } finally {
      this.busy = false;
    }
  }

  override render() {
    return html`
      ${this.reason ? html`<p class="notice" role="status">${this.reason}</p>` : nothing}
      <ol>
        <li>In the room on your phone or computer, open <strong>Show on TV</strong>.</li>
        <li>Type the 6-character code here, or scan the QR code with this device’s camera.</li>
      </ol>
      <form @submit=${this.submit}>
        <label>Pairing code
          <input name="code" autocomplete="off" autocapitalize="characters" spellcheck="false" maxlength="9" inputmode="text" aria-describedby="pair-error" />
        </label>
        <button class="primary" type="submit" ?disabled=${this.busy}>${this.busy ? 'Pairing…' : 'Pair this screen'}</button>
      </form>
      <p id="pair-error" class=${this.error ? 'error' : ''} role="alert">${this.error}</p>
    `;
  }
}
