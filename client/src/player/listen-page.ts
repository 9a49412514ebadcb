import '../pairing/moodify-pair-form.js';
import './moodify-ambient.js';
import './moodify-player.js';

import { css, html, LitElement, nothing } from 'lit';
import { customElement, query, state } from 'lit/decorators.js';

import { api, loadSession } from '../dashboard/session.js';
import { applyDocumentTokens, base, tokens } from '../design/tokens.js';
import { RoomFeed } from '../live/room-feed.js';
import { claimCode, ClaimError, loadPairing, savePairing, type ScreenPairing } from '../pairing/paired-screens.js';
import { type AmbientMood, moodWords } from './moodify-ambient.js';
import type { MoodifyPlayer } from './moodify-player.js';

type View =
  | { kind: 'pair'; reason: string }
  | { kind: 'claiming' }
  | { kind: 'play'; roomId: string; listenToken: string }
  | { kind: 'error'; message: string; canPair: boolean };

interface RoomSummary {
  id: string;
  name: string;
  closedAt: string | null;
}

/** True where the server lets anyone listen (ALLOW_ANONYMOUS_ROOMS: kiosks, demos). */
async function openToAll(roomId: string): Promise<boolean> {
  return (await fetch(`/api/rooms/${encodeURIComponent(roomId)}/now-playing`).catch(() => undefined))?.ok ?? false;
}

const roomFromPath = (): string => decodeURIComponent(location.pathname.split('/')[2] ?? '');

/**
 * /listen and /listen/:roomId — a room's music on a screen across the room (a TV, a projector,
 * a spare laptop), without joining: no camera, no microphone, no account needed.
 *
 * Who may play, in order: a listener link in the URL (`?lt=`), a pairing code in the URL
 * (`?pair=`, what the owner's QR code opens) or typed into the form, this screen's earlier
 * pairing (kept in localStorage), the signed-in member's session. Without any of them the page
 * shows how to pair. Refusals while playing (a revoked link, a closed room, an expired sign-in
 * that cannot be refreshed) come back from the player as plain words with a way back.
 *
 * `?nosync` turns the players' wall-clock sync off (to compare; `npm run bench:sync -- --nosync`).
 *
 * Behind it all, the room's mood as colour and motion (moodify-ambient), from the room's live
 * events when this screen may watch them (labels only: the same rule as for any listener link).
 */
@customElement('moodify-listen')
export class MoodifyListen extends LitElement {
  static override styles = [
    tokens,
    base,
    css`
      :host { display: block; min-height: 100vh; position: relative; overflow-x: hidden; }
      main { position: relative; z-index: 1; box-sizing: border-box; width: min(100%, 90rem); margin: 0 auto; padding: clamp(1rem, 4vw, 4rem); min-height: 100vh; display: grid; align-content: center; gap: var(--md-space-5); }
      .panel { background: color-mix(in srgb, var(--md-surface) 88%, transparent); border: 1px solid var(--md-border); border-radius: var(--md-radius-l); padding: clamp(1rem, 3vw, 3rem); min-width: 0; box-shadow: var(--md-shadow); }
      h1 { font-size: clamp(1.6rem, 4vw, 4rem); margin: 0 0 var(--md-space-4); overflow-wrap: anywhere; }
      .room { display: flex; flex-wrap: wrap; gap: var(--md-space-3); align-items: baseline; justify-content: space-between; min-width: 0; }
      .room h1 { font-size: clamp(1.1rem, 2.4vw, 2.4rem); color: var(--md-text-muted); font-weight: 600; margin: 0; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; min-width: 0; flex: 1 1 12rem; }
      .mood { font-size: clamp(1.1rem, 2.6vw, 2.8rem); margin: 0; min-height: 1.5em; }
      .actions { display: flex; flex-wrap: wrap; gap: var(--md-space-2); }
      .rooms { display: flex; flex-wrap: wrap; gap: var(--md-space-2); margin: 0; padding: 0; list-style: none; }
      .rooms a { max-width: 100%; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
      .error-text { font-size: clamp(1.1rem, 2.4vw, 2.2rem); }
      .room button { font-size: clamp(0.9rem, 1.2vw, 1.4rem); }
      :host([immersive]) .room .actions button:not(.keep) { display: none; }
      /* Full screen: the mood's colour shows through; text keeps its contrast on a lighter veil. */
      :host([immersive]) .panel { background: color-mix(in srgb, var(--md-surface) 62%, transparent); border-color: transparent; box-shadow: none; }
    `,
  ];

  @state() private view: View = { kind: 'claiming' };
  @state() private mood: AmbientMood = null;
  @state() private watching = false;
  @state() private roomName = '';
  @state() private myRooms: RoomSummary[] = [];
  @query('moodify-player') private player?: MoodifyPlayer;

  private feed: RoomFeed | undefined;

  override connectedCallback(): void {
    super.connectedCallback();
    applyDocumentTokens();
    void this.decide();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.feed?.stop();
  }

  /** Picks the first credential that applies (see the class comment). */
  private async decide(): Promise<void> {
    const params = new URLSearchParams(location.search);
    const pairCode = params.get('pair');
    const roomId = roomFromPath();
    if (pairCode) {
      this.view = { kind: 'claiming' };
      try {
        this.play(await claimCode(pairCode));
      } catch (err) {
        history.replaceState(null, '', roomId ? `/listen/${encodeURIComponent(roomId)}` : '/listen');
        this.view = { kind: 'pair', reason: err instanceof ClaimError ? err.message : 'Pairing failed. Type the code instead.' };
      }
      return;
    }
    const link = params.get('lt');
    if (roomId && link) return this.start(roomId, link);
    const paired = loadPairing(roomId || undefined);
    if (paired) return this.play(paired);
    if (roomId && (loadSession() || (await openToAll(roomId)))) return this.start(roomId, '');
    this.view = { kind: 'pair', reason: roomId ? 'This screen is not paired with this room yet.' : '' };
    if (loadSession()) void this.loadMyRooms();
  }

  private play(pairing: ScreenPairing): void {
    // The token stays out of the address bar (and out of anyone's photo of the screen).
    history.replaceState(null, '', `/listen/${encodeURIComponent(pairing.roomId)}`);
    this.roomName = pairing.roomName;
    this.start(pairing.roomId, pairing.token);
  }

  private start(roomId: string, listenToken: string): void {
    this.view = { kind: 'play', roomId, listenToken };
    if (!this.roomName && !listenToken && loadSession())
      void api<RoomSummary>('GET', `/api/rooms/${encodeURIComponent(roomId)}`)
        .then((r) => (this.roomName = r.name))
        .catch(() => {});
    this.watch(roomId, listenToken);
  }

  /** Follows the room's mood over the live events socket (it reconnects by itself). */
  private watch(roomId: string, listenToken: string): void {
    this.feed?.stop();
    const feed = new RoomFeed(
      roomId,
      () => listenToken || loadSession()?.accessToken,
      async () => {
        await api('GET', '/api/me').catch(() => {});
      },
    );
    feed.addEventListener('change', () => {
      this.mood = feed.roomMood as AmbientMood;
      this.watching = feed.watching;
    });
    feed.start();
    this.feed = feed;
  }

  private async loadMyRooms(): Promise<void> {
    try {
      this.myRooms = (await api<RoomSummary[]>('GET', '/api/rooms')).filter((r) => !r.closedAt);
    } catch {
      this.myRooms = [];
    }
  }

  private onPaired(event: CustomEvent<ScreenPairing>): void {
    this.play(event.detail);
    // The form's submit was a user gesture: the browser lets the music start without another click.
    void this.updateComplete.then(() => this.player?.play());
  }

  private onAccess(event: CustomEvent<{ status: number; message: string }>): void {
    this.feed?.stop();
    const viaLink = this.view.kind === 'play' && this.view.listenToken !== '';
    if (viaLink && event.detail.status !== 0) savePairing(undefined);
    this.view = { kind: 'error', message: event.detail.message, canPair: true };
  }

  private pairAgain(): void {
    savePairing(undefined);
    this.feed?.stop();
    this.roomName = '';
    history.replaceState(null, '', '/listen');
    this.view = { kind: 'pair', reason: '' };
    if (loadSession()) void this.loadMyRooms();
  }

  private async toggleImmersive(): Promise<void> {
    const on = !this.hasAttribute('immersive');
    this.toggleAttribute('immersive', on);
    this.player?.toggleAttribute('minimal', on);
    try {
      if (on && !document.fullscreenElement) await document.documentElement.requestFullscreen();
      if (!on && document.fullscreenElement) await document.exitFullscreen();
    } catch {
      /* full screen refused (a TV browser, an iframe): the calm layout still applies */
    }
    this.requestUpdate();
  }

  private renderPlay(view: Extract<View, { kind: 'play' }>) {
    const immersive = this.hasAttribute('immersive');
    return html`
      <div class="room">
        <h1 title=${this.roomName || 'Room music'}>${this.roomName || 'Room music'}</h1>
        <div class="actions">
          <button class="quiet keep" @click=${this.toggleImmersive}>${immersive ? 'Show controls' : 'Full screen'}</button>
          ${view.listenToken && !new URLSearchParams(location.search).has('lt') ? html`<button class="quiet" @click=${this.pairAgain}>Unpair this screen</button>` : nothing}
        </div>
      </div>
      <section class="panel">
        <moodify-player room=${view.roomId} tv autoplay ?nosync=${new URLSearchParams(location.search).has('nosync')} .listenToken=${view.listenToken} @moodify-player-access=${this.onAccess}></moodify-player>
      </section>
      <p class="mood panel" aria-live="polite">${moodWords(this.mood, this.watching) || 'Music picked for the mood of the room.'}</p>
    `;
  }

  private renderPair(reason: string) {
    return html`<section class="panel">
      <h1>Play a room’s music on this screen</h1>
      <moodify-pair-form reason=${reason} @paired=${this.onPaired}></moodify-pair-form>
      ${
        this.myRooms.length
          ? html`<h2>Or play one of your rooms</h2>
            <ul class="rooms">${this.myRooms.map((r) => html`<li><a class="button" href="/listen/${encodeURIComponent(r.id)}">${r.name}</a></li>`)}</ul>`
          : nothing
      }
    </section>`;
  }

  override render() {
    const view = this.view;
    return html`
      <moodify-ambient .mood=${view.kind === 'play' ? this.mood : null} ?vivid=${this.hasAttribute('immersive')}></moodify-ambient>
      <main>
        ${view.kind === 'pair' ? this.renderPair(view.reason) : nothing}
        ${view.kind === 'claiming' ? html`<section class="panel"><h1>Pairing this screen…</h1></section>` : nothing}
        ${view.kind === 'play' ? this.renderPlay(view) : nothing}
        ${
          view.kind === 'error'
            ? html`<section class="panel" role="alert">
              <h1>The music stopped</h1>
              <p class="error-text">${view.message}</p>
              <div class="actions">
                <button class="primary" @click=${this.pairAgain}>Pair again</button>
                <button @click=${() => location.reload()}>Try again</button>
                ${loadSession() ? nothing : html`<a class="button" href="/">Sign in</a>`}
              </div>
            </section>`
            : nothing
        }
      </main>
    `;
  }
}
