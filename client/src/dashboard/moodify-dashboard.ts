import { LitElement, css, html } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import './moodify-auth-form.js';
import './moodify-consent.js';
import './moodify-rooms.js';
// The room page (capture), opened in place after the consent step.
import '../room-page.js';
import '../history/moodify-history.js';
import '../live/moodify-live-room.js';
import '../search/moodify-playlist-search.js';
import '../settings/moodify-mood-settings.js';
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
  static override styles = css`
    :host { display: block; }
    header { display: flex; justify-content: space-between; align-items: center; gap: 1rem; flex-wrap: wrap; }
    section { margin: 1.5rem 0; }
    .error { color: #a00; }
    label { display: grid; gap: 0.25rem; max-width: 20rem; }
  `;

  @state() private user: SessionUser | undefined = loadSession()?.user;
  @state() private pendingRoom: RoomSummary | undefined;
  @state() private watchedRoom: RoomSummary | undefined;
  @state() private inviteToken = new URLSearchParams(location.hash.slice(1)).get('invite') ?? '';
  @state() private error = '';

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
      this.pendingRoom = { id: result.roomId, name: 'the room', slug: '', role: result.role, closedAt: null };
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
  private async enterRoom(): Promise<void> {
    const room = this.pendingRoom;
    const session = loadSession();
    if (!room || !session) return;
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

  private async deleteData(account: boolean): Promise<void> {
    const what = account ? 'your account and all its data' : 'all your mood samples, plays and feedback';
    if (!confirm(`Delete ${what}? This cannot be undone.`)) return;
    try {
      await api('DELETE', account ? '/api/me' : '/api/me/data');
      if (account) saveSession(undefined);
      else await this.renderRoot.querySelector('moodify-history')?.load();
    } catch (err) {
      this.error = (err as Error).message;
    }
  }

  override render() {
    if (this.inviteToken) {
      return this.user
        ? html`<section><p>You were invited to a room.</p><button type="button" @click=${() => void this.acceptInvite()}>Join the room</button>
            ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : ''}</section>`
        : html`<section>
            <h2>You were invited to a room</h2>
            <form @submit=${(e: SubmitEvent) => void this.acceptInvite(e)} aria-label="Join as a guest">
              <label>Your name in the room <input name="displayName" required maxlength="60" autocomplete="nickname" /></label>
              <button type="submit">Join as a guest</button>
            </form>
            ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : ''}
          </section>`;
    }
    if (!this.user) return html`<section><moodify-auth-form></moodify-auth-form></section>`;
    if (this.pendingRoom) {
      return html`<section>
        <moodify-consent @consent-given=${() => void this.enterRoom()} @consent-declined=${() => (this.pendingRoom = undefined)}></moodify-consent>
      </section>`;
    }
    return html`
      <header>
        <p>Signed in as <strong>${this.user.displayName}</strong>${this.user.guest ? ' (guest)' : ''}</p>
        <button type="button" @click=${() => void this.signOut()}>Sign out</button>
      </header>
      <section>
        <h2>Rooms</h2>
        <moodify-rooms
          ?guest=${this.user.guest}
          @enter-room=${(e: CustomEvent<RoomSummary>) => (this.pendingRoom = e.detail)}
          @watch-room=${(e: CustomEvent<RoomSummary>) => (this.watchedRoom = e.detail)}
        ></moodify-rooms>
      </section>
      ${this.watchedRoom
        ? html`<section aria-labelledby="live-title">
            <h2 id="live-title">Live: ${this.watchedRoom.name}</h2>
            <moodify-live-room room=${this.watchedRoom.id}></moodify-live-room>
            <button type="button" @click=${() => (this.watchedRoom = undefined)}>Stop watching</button>
          </section>`
        : ''}
      <section aria-labelledby="settings-title">
        <h2 id="settings-title">Your mood and the music</h2>
        <moodify-mood-settings></moodify-mood-settings>
      </section>
      <section aria-labelledby="search-title">
        <h2 id="search-title">Find music for a mood</h2>
        <moodify-playlist-search></moodify-playlist-search>
      </section>
      <section aria-labelledby="history-title">
        <h2 id="history-title">Your history</h2>
        <moodify-history></moodify-history>
      </section>
      <section>
        <h2>Your data</h2>
        <button type="button" @click=${() => void this.deleteData(false)}>Delete my data</button>
        <button type="button" @click=${() => void this.deleteData(true)}>Delete my account</button>
        ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : ''}
      </section>
    `;
  }
}
