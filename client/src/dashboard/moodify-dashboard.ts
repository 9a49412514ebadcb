import './moodify-auth-form.js';
import './moodify-consent.js';
import './moodify-rooms.js';
// The room page (capture), opened in place after the consent step.
import '../room-page.js';
import '../history/moodify-history.js';
import '../live/moodify-live-room.js';
import '../search/moodify-playlist-search.js';
import '../settings/moodify-mood-settings.js';

import { css, html, LitElement } from 'lit';
import { customElement, state } from 'lit/decorators.js';

import { base, tokens } from '../design/tokens.js';
import { hasConsent, rememberConsent } from '../room-state.js';
import { deleteMyData, markDataDeleted } from '../settings/delete-data.js';
import type { RoomSummary } from './moodify-rooms.js';
import { api, loadSession, saveSession, type SessionUser, type StoredSession } from './session.js';

/**
 * The dashboard shell: sign up / log in, accept an invite link (#invite=<token>), the user's
 * rooms, the consent step before entering a room with camera and microphone, a room's live view
 * (watched without sending media), mood settings (strategy, override), mood-playlist search, and
 * the user's history.
 */
@customElement('moodify-dashboard')
export class MoodifyDashboard extends LitElement {
  static override styles = [
    tokens,
    base,
    css`
      :host { display: block; }
      .welcome { display: flex; justify-content: space-between; align-items: center; gap: var(--md-space-3); flex-wrap: wrap; margin: 0 0 var(--md-space-5); }
      .welcome p { margin: 0; font-size: var(--md-text-l); }
      .layout { display: grid; gap: var(--md-space-4); grid-template-columns: repeat(auto-fit, minmax(min(100%, 26rem), 1fr)); align-items: start; }
      .wide { grid-column: 1 / -1; }
      section.card > h2 { font-size: var(--md-text-l); }
      .narrow { max-width: 34rem; margin: 0 auto; }
      label { display: grid; gap: var(--md-space-1); max-width: 20rem; font-weight: 600; font-size: var(--md-text-s); }
      form { display: grid; gap: var(--md-space-3); }
      .actions { display: flex; gap: var(--md-space-3); flex-wrap: wrap; align-items: center; }
    `,
  ];

  @state() private user: SessionUser | undefined = loadSession()?.user;
  @state() private pendingRoom: RoomSummary | undefined;
  @state() private watchedRoom: RoomSummary | undefined;
  @state() private inviteToken = new URLSearchParams(location.hash.slice(1)).get('invite') ?? '';
  @state() private error = '';
  /** What "Delete my data" did, said in words. */
  @state() private deletion = '';
  @state() private deleting = false;

  private readonly onSession = (e: Event) => (this.user = (e as CustomEvent<StoredSession | undefined>).detail?.user);

  override connectedCallback(): void {
    super.connectedCallback();
    window.addEventListener('moodify-session', this.onSession);
  }

  override disconnectedCallback(): void {
    window.removeEventListener('moodify-session', this.onSession);
    super.disconnectedCallback();
  }

  private async acceptInvite(event?: SubmitEvent): Promise<void> {
    event?.preventDefault();
    const displayName = event ? String(new FormData(event.target as HTMLFormElement).get('displayName') ?? '') : undefined;
    try {
      const result = await api<{ roomId: string; role: RoomSummary['role'] } & Partial<StoredSession>>('POST', '/api/invites/accept', {
        token: this.inviteToken,
        ...(displayName ? { displayName } : {}),
      });
      if (result.accessToken && result.refreshToken && result.user) {
        saveSession({ user: result.user, accessToken: result.accessToken, refreshToken: result.refreshToken });
      }
      history.replaceState(null, '', location.pathname);
      this.inviteToken = '';
      this.chooseRoom({ id: result.roomId, name: 'the room', slug: '', role: result.role, closedAt: null });
    } catch (err) {
      this.error = (err as Error).message;
    }
  }

  /**
   * Opens the room page in place. The access token goes to the page through the address bar for
   * one moment only: the page reads it when it is created, then the address is replaced without
   * it. Navigating to the page would send the token to the server (into its request log) and
   * leave it in the browser history.
   */
  private chooseRoom(room: RoomSummary): void {
    this.pendingRoom = room;
    // Consent is asked once per room in a browser session, not at every entry.
    if (hasConsent(room.id)) void this.enterRoom();
  }

  private async enterRoom(): Promise<void> {
    const room = this.pendingRoom;
    const session = loadSession();
    if (!room || !session) return;
    rememberConsent(room.id);
    const base = `/room/${encodeURIComponent(room.id)}`;
    const visible = new URLSearchParams({ name: session.user.displayName, autostart: '' });
    history.pushState(null, '', `${base}?${new URLSearchParams({ ...Object.fromEntries(visible), token: session.accessToken })}`);
    const page = document.createElement('moodify-room') as HTMLElement & { updateComplete?: Promise<unknown> };
    document.body.replaceChildren(page);
    await page.updateComplete;
    history.replaceState(null, '', `${base}?${visible}`);
  }

  private async signOut(): Promise<void> {
    const session = loadSession();
    if (session) await api('POST', '/api/auth/logout', { refreshToken: session.refreshToken }).catch(() => {});
    saveSession(undefined);
  }

  /** Stops capture first (every room tab of this browser), deletes, then says what went and shows the emptied history. */
  private async deleteData(account: boolean): Promise<void> {
    const what = account ? 'your account and all its data' : 'all your mood readings, likes and skips';
    if (!confirm(`Delete ${what}? Capture stops first. This cannot be undone.`)) return;
    const user = this.user;
    this.deleting = true;
    this.error = '';
    try {
      const outcome = await deleteMyData(account);
      const stopped =
        outcome.captureStopped > 0
          ? ` Your camera and microphone were stopped first in ${outcome.captureStopped === 1 ? 'the open room' : `${outcome.captureStopped} open rooms`}.`
          : '';
      this.deletion = `${outcome.summary}${stopped}`;
      if (account) saveSession(undefined);
      else {
        if (user) markDataDeleted(user.id);
        await this.renderRoot.querySelector('moodify-history')?.load();
      }
    } catch (err) {
      this.error = `Nothing was deleted: ${(err as Error).message}`;
    } finally {
      this.deleting = false;
    }
  }

  override render() {
    if (this.inviteToken) {
      return this.user
        ? html`<section class="card narrow"><h2>You were invited to a room</h2><button class="primary" type="button" @click=${() => void this.acceptInvite()}>Join the room</button>
            ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : ''}</section>`
        : html`<section class="card narrow">
            <h2>You were invited to a room</h2>
            <p class="muted">Pick the name the others will see. No account needed.</p>
            <form @submit=${(e: SubmitEvent) => void this.acceptInvite(e)} aria-label="Join as a guest">
              <label>Your name in the room <input name="displayName" required maxlength="60" autocomplete="nickname" /></label>
              <div class="actions"><button class="primary" type="submit">Join as a guest</button></div>
            </form>
            ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : ''}
          </section>`;
    }
    if (!this.user) {
      return html`${this.deletion ? html`<p class="notice" role="status">${this.deletion}</p>` : ''}
        <section class="card narrow"><moodify-auth-form></moodify-auth-form></section>`;
    }
    if (this.pendingRoom) {
      return html`<section class="card narrow">
        <moodify-consent @consent-given=${() => void this.enterRoom()} @consent-declined=${() => (this.pendingRoom = undefined)}></moodify-consent>
      </section>`;
    }
    return html`
      <div class="welcome">
        <p>Signed in as <strong>${this.user.displayName}</strong>${this.user.guest ? ' (guest)' : ''}</p>
        <button type="button" @click=${() => void this.signOut()}>Sign out</button>
      </div>
      <div class="layout">
        <section class="card wide" aria-labelledby="rooms-title">
          <h2 id="rooms-title">Rooms</h2>
          <moodify-rooms
            ?guest=${this.user.guest}
            @enter-room=${(e: CustomEvent<RoomSummary>) => this.chooseRoom(e.detail)}
            @watch-room=${(e: CustomEvent<RoomSummary>) => (this.watchedRoom = e.detail)}
          ></moodify-rooms>
        </section>
        ${
          this.watchedRoom
            ? html`<section class="wide" aria-labelledby="live-title">
              <div class="welcome">
                <h2 id="live-title">Live: ${this.watchedRoom.name}</h2>
                <button type="button" @click=${() => (this.watchedRoom = undefined)}>Stop watching</button>
              </div>
              <moodify-live-room room=${this.watchedRoom.id}></moodify-live-room>
            </section>`
            : ''
        }
        <section class="card" aria-labelledby="settings-title">
          <h2 id="settings-title">Your mood and the music</h2>
          <moodify-mood-settings></moodify-mood-settings>
        </section>
        <section class="card" aria-labelledby="search-title">
          <h2 id="search-title">Find music for a mood</h2>
          <moodify-playlist-search></moodify-playlist-search>
        </section>
        <section class="card wide" aria-labelledby="history-title">
          <h2 id="history-title">Your history</h2>
          <moodify-history></moodify-history>
        </section>
        <section class="card wide" aria-labelledby="data-title">
          <h2 id="data-title">Your data</h2>
          <p class="muted">Moodify keeps only mood estimates, never camera images or sound. Delete them whenever you like.</p>
          <div class="actions">
            <button type="button" class="danger" ?disabled=${this.deleting} @click=${() => void this.deleteData(false)}>Delete my data</button>
            <button type="button" class="danger" ?disabled=${this.deleting} @click=${() => void this.deleteData(true)}>Delete my account</button>
          </div>
          ${this.deleting ? html`<p role="status">Stopping capture and deleting…</p>` : ''}
          ${this.deletion ? html`<p class="notice" role="status" data-deleted>${this.deletion}</p>` : ''}
          ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : ''}
        </section>
      </div>
    `;
  }
}
