import { css, html, LitElement, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';

import { api } from '../dashboard/session.js';
import { base, tokens } from '../design/tokens.js';
import { PAIRED_SCREEN_LABEL } from './paired-screens.js';

interface PairingCode {
  code: string;
  expiresAt: string;
  url: string;
  qrSvg: string;
}

interface ListenerLink {
  id: string;
  label: string | null;
  createdAt: string;
  revokedAt: string | null;
}

/** While a code waits, the list is re-read this often, so a newly paired screen shows up. */
const WATCH_MS = 3000;

const localTime = (iso: string) => new Date(iso).toLocaleTimeString([], { hour: 'numeric', minute: '2-digit' });
const localDate = (iso: string) => new Date(iso).toLocaleString([], { dateStyle: 'medium', timeStyle: 'short' });
const isScreen = (link: ListenerLink) => (link.label ?? '').startsWith(PAIRED_SCREEN_LABEL);
const screenName = (link: ListenerLink) => (link.label ?? '').slice(PAIRED_SCREEN_LABEL.length).replace(/^:\s*/, '') || 'Screen';

/**
 * "Show on TV", for the room owner (CONTRACTS §4): a QR code and a short code a TV enters at
 * /listen, a listener link to copy, and the room's paired screens and links, each revocable.
 * A revoked screen stops playing on its next request and says "pair again".
 */
@customElement('moodify-share-tv')
export class MoodifyShareTv extends LitElement {
  static override styles = [
    tokens,
    base,
    css`
      :host { display: block; min-width: 0; }
      .pairing { display: flex; flex-wrap: wrap; gap: var(--md-space-5); align-items: center; margin-bottom: var(--md-space-4); }
      .qr { width: 11rem; height: 11rem; background: #fff; border-radius: var(--md-radius-s); padding: var(--md-space-2); flex: none; }
      .code { font-family: var(--md-font-mono); font-size: var(--md-text-3xl); font-weight: 700; letter-spacing: 0.12em; margin: 0; }
      .pairing > div { min-width: 0; flex: 1 1 14rem; }
      .link { display: flex; gap: var(--md-space-2); align-items: center; min-width: 0; margin: var(--md-space-3) 0; }
      .link input { flex: 1 1 auto; min-width: 0; font-family: var(--md-font-mono); font-size: var(--md-text-s); }
      ul { list-style: none; margin: 0 0 var(--md-space-4); padding: 0; display: grid; gap: var(--md-space-2); }
      li { display: flex; gap: var(--md-space-3); align-items: center; justify-content: space-between; min-width: 0; }
      li span { min-width: 0; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
      h3 { font-size: var(--md-text-m); margin-top: var(--md-space-4); }
      .actions { display: flex; flex-wrap: wrap; gap: var(--md-space-2); }
    `,
  ];

  /** The room to share. */
  @property() room = '';

  @state() private pairing: PairingCode | undefined;
  @state() private links: ListenerLink[] = [];
  @state() private newLink = '';
  @state() private message = '';
  @state() private error = '';

  private watchTimer: number | undefined;

  override connectedCallback(): void {
    super.connectedCallback();
    void this.refresh();
    void api<PairingCode>('GET', this.path('pairing-codes'))
      .then((p) => this.showCode(p))
      .catch(() => {});
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    clearInterval(this.watchTimer);
  }

  private path(rest: string): string {
    return `/api/rooms/${encodeURIComponent(this.room)}/${rest}`;
  }

  private async run(action: () => Promise<void>): Promise<void> {
    this.error = '';
    try {
      await action();
    } catch (err) {
      this.error = err instanceof Error ? err.message : String(err);
    }
  }

  private async refresh(): Promise<void> {
    await this.run(async () => {
      const before = new Set(this.links.filter(isScreen).map((l) => l.id));
      this.links = (await api<ListenerLink[]>('GET', this.path('listener-links'))).filter((l) => !l.revokedAt);
      const added = this.links.filter((l) => isScreen(l) && !before.has(l.id));
      if (this.pairing && added.length) {
        this.message = `${screenName(added[0]!)} is paired and playing.`;
        this.pairing = undefined;
        clearInterval(this.watchTimer);
      }
    });
  }

  private showCode(pairing: PairingCode): void {
    this.pairing = pairing;
    this.message = '';
    clearInterval(this.watchTimer);
    this.watchTimer = window.setInterval(() => {
      if (this.pairing && Date.parse(this.pairing.expiresAt) < Date.now()) {
        this.pairing = undefined;
        this.message = 'The code ran out. Ask for a new one when the screen is ready.';
        clearInterval(this.watchTimer);
      } else void this.refresh();
    }, WATCH_MS);
  }

  private newCode(): Promise<void> {
    return this.run(async () => this.showCode(await api<PairingCode>('POST', this.path('pairing-codes'))));
  }

  private createLink(): Promise<void> {
    return this.run(async () => {
      const link = await api<{ url: string }>('POST', this.path('listener-links'), { label: 'Shared link' });
      this.newLink = new URL(link.url, location.origin).href;
      await this.refresh();
    });
  }

  private async copy(): Promise<void> {
    try {
      await navigator.clipboard.writeText(this.newLink);
      this.message = 'Link copied.';
    } catch {
      (this.renderRoot.querySelector('.link input') as HTMLInputElement | null)?.select();
      this.message = 'Select the link and copy it.';
    }
  }

  private revoke(link: ListenerLink): Promise<void> {
    return this.run(async () => {
      await api('DELETE', this.path(`listener-links/${encodeURIComponent(link.id)}`));
      this.message = isScreen(link) ? `${screenName(link)} was unpaired: it stops playing within seconds.` : 'The link was revoked.';
      await this.refresh();
    });
  }

  private renderList(title: string, links: ListenerLink[], name: (l: ListenerLink) => string) {
    if (!links.length) return nothing;
    return html`<h3>${title}</h3>
      <ul>
        ${links.map(
          (l) => html`<li>
            <span title=${name(l)}>${name(l)} <span class="muted small">· since ${localDate(l.createdAt)}</span></span>
            <button class="danger" @click=${() => this.revoke(l)} aria-label="Revoke ${name(l)}">Revoke</button>
          </li>`,
        )}
      </ul>`;
  }

  override render() {
    const p = this.pairing;
    const pretty = p ? `${p.code.slice(0, 3)} ${p.code.slice(3)}` : '';
    return html`
      ${
        p
          ? html`<div class="pairing">
            <img class="qr" alt="QR code that pairs a screen with this room" src="data:image/svg+xml;charset=utf-8,${encodeURIComponent(p.qrSvg)}" />
            <div>
              <p class="muted">On the TV, open <strong>${location.host}/listen</strong> and enter</p>
              <p class="code" aria-label="Pairing code ${p.code.split('').join(' ')}">${pretty}</p>
              <p class="muted small">Works once, until ${localTime(p.expiresAt)}. Or scan the QR code with the screen’s camera.</p>
            </div>
          </div>`
          : html`<p class="muted">Play this room’s music on a TV or another screen: no account or typing of addresses needed there.</p>`
      }
      <div class="actions">
        <button class="primary" @click=${this.newCode}>${p ? 'New code' : 'Show on TV'}</button>
        <button @click=${this.createLink}>Create a listener link</button>
      </div>
      ${
        this.newLink
          ? html`<div class="link">
            <input readonly aria-label="Listener link" .value=${this.newLink} @focus=${(e: Event) => (e.target as HTMLInputElement).select()} />
            <button @click=${this.copy}>Copy</button>
          </div>`
          : nothing
      }
      <p role="status" class=${this.error ? 'error' : this.message ? 'notice' : ''}>${this.error || this.message}</p>
      ${this.renderList('Paired screens', this.links.filter(isScreen), screenName)}
      ${this.renderList(
        'Listener links',
        this.links.filter((l) => !isScreen(l)),
        (l) => l.label || 'Listener link',
      )}
    `;
  }
}
