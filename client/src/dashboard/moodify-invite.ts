/**
 * `<moodify-invite room=… room-name=…>`: the owner makes an invite link for a room and shares
 * it: a copy button (says "Copied" when it worked) and a QR code a phone camera can open.
 */
import { css, html, LitElement, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { unsafeSVG } from 'lit/directives/unsafe-svg.js';
import QRCode from 'qrcode';

import { base, tokens } from '../design/tokens.js';
import { api } from './session.js';

@customElement('moodify-invite')
export class MoodifyInvite extends LitElement {
  static override styles = [
    tokens,
    base,
    css`
      :host { display: block; }
      .share { display: grid; grid-template-columns: minmax(0, 1fr) auto; gap: var(--md-space-4); align-items: start; }
      @media (max-width: 520px) { .share { grid-template-columns: minmax(0, 1fr); } }
      .link { display: flex; gap: var(--md-space-2); flex-wrap: wrap; }
      .link input { flex: 1 1 12rem; min-width: 0; font-family: var(--md-font-mono); font-size: var(--md-text-s); }
      .qr { width: 9rem; height: 9rem; background: #fff; padding: var(--md-space-2); border-radius: var(--md-radius-s); }
      .qr svg { width: 100%; height: 100%; display: block; }
      p { font-size: var(--md-text-s); }
    `,
  ];

  @property() room = '';
  @property({ attribute: 'room-name' }) roomName = '';
  @state() private url = '';
  @state() private qr = '';
  @state() private copied = false;
  @state() private error = '';

  /** The invite link shown now (tests read it). */
  get inviteUrl(): string {
    return this.url;
  }

  async create(): Promise<void> {
    this.error = '';
    try {
      const invite = await api<{ url: string }>('POST', `/api/rooms/${encodeURIComponent(this.room)}/invites`, {});
      this.url = new URL(invite.url, location.origin).toString();
      this.qr = await QRCode.toString(this.url, { type: 'svg', margin: 1, errorCorrectionLevel: 'M' });
      this.copied = false;
    } catch (err) {
      this.error = `The invite link could not be made: ${(err as Error).message}`;
    }
  }

  private async copy(): Promise<void> {
    try {
      await navigator.clipboard.writeText(this.url);
      this.copied = true;
    } catch {
      // No clipboard permission (an http page, an old browser): select the text for a manual copy.
      const input = this.renderRoot.querySelector('input');
      input?.select();
      this.error = 'Copying is blocked here: the link is selected, copy it with Ctrl+C (⌘C).';
    }
  }

  override render() {
    const name = this.roomName || 'the room';
    if (!this.url) {
      return html`<p>Anyone with an invite link can join ${name} (as a guest, or with their account).</p>
        <button class="primary" @click=${() => void this.create()}>Create invite link</button>
        ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : nothing}`;
    }
    return html`<div class="share">
      <div>
        <p>Share this link with the people you want in ${name}, or let them scan the code.</p>
        <div class="link">
          <input readonly aria-label="Invite link" .value=${this.url} @focus=${(e: Event) => (e.target as HTMLInputElement).select()} />
          <button class="primary" @click=${() => void this.copy()}>${this.copied ? 'Copied ✓' : 'Copy link'}</button>
        </div>
        <p class="muted" role="status">${this.copied ? 'The link is on your clipboard.' : ''}</p>
        ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : nothing}
      </div>
      <div class="qr" role="img" aria-label=${`QR code of the invite link to ${name}`}>${unsafeSVG(this.qr)}</div>
    </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'moodify-invite': MoodifyInvite;
  }
}
