import './capture/moodify-capture.js';
import './dashboard/moodify-consent.js';
import './dashboard/moodify-invite.js';
import './design/moodify-header.js';
import './live/moodify-room-ambient.js';
import './live/moodify-live-room.js';
import './pairing/moodify-share-tv.js';
import './player/moodify-player.js';

import { css, html, LitElement, nothing } from 'lit';
import { customElement, query, state } from 'lit/decorators.js';

import type { ParticipantMoodView } from '../../vocabulary/live-events.js';
import type { MoodifyCapture } from './capture/moodify-capture.js';
import { freshAccessToken, loadSession } from './dashboard/session.js';
import { applyDocumentTokens, base, tokens } from './design/tokens.js';
import type { MoodifyLiveRoom } from './live/moodify-live-room.js';
import {
  hasConsent,
  isProblem,
  lookUpRoom,
  nameFromId,
  rememberConsent,
  rememberedMode,
  rememberMode,
  type RoomInfo,
  type RoomMode,
  type RoomProblem,
} from './room-state.js';
import { onStopCaptureRequest } from './settings/delete-data.js';

/** The parts of `<moodify-player>` the page drives (CONTRACTS §3). */
type PlayerElement = HTMLElement & { play(): Promise<void>; audio?: HTMLAudioElement; updateComplete?: Promise<unknown> };

/**
 * /room/:roomId — the room is the speaker: every device on this page plays the room's music.
 * One click joins with camera and microphone and starts the music (the browser's autoplay rule
 * wants that click); "Listen only" plays without camera or microphone. A reload, a sleep or a
 * network change rejoins by itself: the page remembers for the session how the viewer was in the
 * room and asks for one click only where the browser refuses to play without one.
 */
@customElement('moodify-room')
export class MoodifyRoom extends LitElement {
  static override styles = [
    tokens,
    base,
    css`
      :host { display: block; min-height: 100vh; background: var(--md-bg); }
      main { max-width: var(--md-page-width); margin: 0 auto; padding: var(--md-space-5) var(--md-space-4) var(--md-space-8); display: grid; gap: var(--md-space-4); }
      .join { display: grid; gap: var(--md-space-3); }
      .join h1 { font-size: var(--md-text-xl); margin: 0; overflow-wrap: anywhere; }
      .choices { display: flex; gap: var(--md-space-3); flex-wrap: wrap; }
      .resume { display: flex; gap: var(--md-space-3); align-items: center; flex-wrap: wrap; background: var(--md-accent-soft); border-color: var(--md-accent); }
      .resume p { margin: 0; flex: 1 1 14rem; font-weight: 600; }
      .problem { max-width: 36rem; margin: var(--md-space-7) auto; text-align: center; }
      .problem h1 { font-size: var(--md-text-xl); }
      details.share > summary { font-weight: 600; color: var(--md-text); font-size: var(--md-text-m); }
      details.share[open] > summary { margin-bottom: var(--md-space-4); }
      .share-grid { display: grid; gap: var(--md-space-5); grid-template-columns: repeat(auto-fit, minmax(min(100%, 20rem), 1fr)); }
      .share-grid h2 { font-size: var(--md-text-m); }
      moodify-header button, moodify-header a.button { min-height: 2.25rem; padding: var(--md-space-1) var(--md-space-3); }
      @media (max-width: 480px) { .hide-narrow { display: none; } }
    `,
  ];

  private readonly roomId = decodeURIComponent(location.pathname.split('/')[2] ?? '');
  private readonly params = new URLSearchParams(location.search);
  /** The dashboard hands a fresh access token over for one moment (see moodify-dashboard). */
  private readonly handedToken = this.params.get('token') ?? '';

  @state() private info: RoomInfo | undefined;
  @state() private problem: RoomProblem | undefined;
  @state() private mode: RoomMode | undefined;
  /** The browser refused to start the music without a click (after a reload). */
  @state() private needsClick = false;
  @state() private ambient = false;
  @state() private consentOpen = false;
  /** Said once capture stopped because the user deleted their data in another tab. */
  @state() private notice = '';
  /** The capture's state, for the way out it offers when the camera cannot be used. */
  @state() private captureStatus = '';
  private stopListening: (() => void) | undefined;

  @query('moodify-live-room') private liveRoom?: MoodifyLiveRoom;
  @query('moodify-player') private player?: PlayerElement;
  @query('moodify-capture') private capture?: MoodifyCapture;

  // The capture socket is the participant, so it hears our own detailed readings even where the
  // live view's watch socket is anonymous and would leave the emotion flow empty.
  private readonly onOwnMood = (e: CustomEvent<ParticipantMoodView>) => this.liveRoom?.addOwnMood(e.detail);
  private readonly tokenProvider = () => freshAccessToken();
  private readonly onVisible = () => {
    if (document.visibilityState === 'visible' && this.mode) void this.startMusic();
  };

  override connectedCallback(): void {
    super.connectedCallback();
    applyDocumentTokens();
    document.addEventListener('visibilitychange', this.onVisible);
    // "Delete my data" in another tab stops this tab's camera and microphone before it deletes.
    this.stopListening = onStopCaptureRequest(() => {
      if (this.mode !== 'capture') return;
      this.capture?.stop();
      this.enter('listen');
      this.notice = 'Your camera and microphone were stopped because you deleted your data.';
    });
    void this.load();
  }

  override disconnectedCallback(): void {
    this.stopListening?.();
    document.removeEventListener('visibilitychange', this.onVisible);
    super.disconnectedCallback();
  }

  private async load(): Promise<void> {
    const found = await lookUpRoom(this.roomId);
    if (isProblem(found)) {
      this.problem = found;
      rememberMode(this.roomId, undefined);
      return;
    }
    this.info = found;
    document.title = `${found.name} · Moodify`;
    // Arrived from the dashboard's consent step (autostart), or reloaded while in the room.
    if (this.params.has('autostart')) {
      rememberConsent(this.roomId);
      this.mode = 'capture';
    } else {
      this.mode = rememberedMode(this.roomId);
    }
    if (this.mode) {
      rememberMode(this.roomId, this.mode);
      await this.updateComplete;
      await this.startMusic();
    }
  }

  /**
   * Plays the room; where the browser wants a click first, says so with one button. A page that
   * has had no click since it loaded (a reload, a restored tab) may not start audio: Chromium,
   * Safari and Firefox all key autoplay on the page's sticky user activation.
   */
  private async startMusic(): Promise<void> {
    const player = this.player;
    if (!player) return;
    await player.updateComplete;
    await player.play();
    const audio = player.audio;
    const activated = (navigator as Navigator & { userActivation?: { hasBeenActive: boolean } }).userActivation?.hasBeenActive ?? true;
    this.needsClick = !activated && Boolean(audio?.paused);
    audio?.addEventListener('playing', () => (this.needsClick = false), { once: true });
  }

  /** The one click: start the music inside it (autoplay rules), then camera and microphone. */
  private join(mode: RoomMode): void {
    void this.player?.play();
    if (mode === 'capture' && !hasConsent(this.roomId)) {
      this.consentOpen = true;
      return;
    }
    this.enter(mode);
  }

  private enter(mode: RoomMode): void {
    this.consentOpen = false;
    this.needsClick = false;
    this.mode = mode;
    rememberMode(this.roomId, mode);
    void this.startMusic();
  }

  private listenInstead(): void {
    this.capture?.stop();
    this.captureStatus = '';
    this.enter('listen');
  }

  private onConsent(): void {
    rememberConsent(this.roomId);
    this.enter('capture');
  }

  private leave(): void {
    this.capture?.stop();
    rememberMode(this.roomId, undefined);
    location.assign('/');
  }

  override render() {
    const name = this.info?.name ?? (this.problem ? '' : nameFromId(this.roomId));
    return html`
      <moodify-header heading=${name}>
        ${
          this.info && this.mode
            ? html`<button class="quiet hide-narrow" @click=${() => (this.ambient = true)}>Ambient view</button>
              <button @click=${() => this.leave()}>Leave</button>`
            : html`<a class="button" href="/">Your rooms</a>`
        }
      </moodify-header>
      <main>${this.problem ? this.renderProblem(this.problem) : this.info ? this.renderRoom(this.info) : html`<p class="muted" role="status">Opening the room…</p>`}</main>
      ${
        this.ambient
          ? html`<moodify-room-ambient .mood=${this.liveRoom?.roomFeed?.roomMood ?? null} .track=${this.liveRoom?.roomFeed?.nowPlaying ?? null} @close=${() => (this.ambient = false)}></moodify-room-ambient>`
          : nothing
      }
    `;
  }

  private renderProblem(problem: RoomProblem) {
    return html`<section class="card problem" role="alert">
      <h1>${problem.title}</h1>
      <p>${problem.text}</p>
      <a class="button primary" href=${problem.action.href}>${problem.action.label}</a>
    </section>`;
  }

  private renderRoom(info: RoomInfo) {
    const session = loadSession();
    return html`
      ${this.notice ? html`<p class="notice" role="status">${this.notice}</p>` : nothing}
      ${this.renderJoin(info)}
      ${
        this.needsClick
          ? html`<section class="card resume" aria-label="Resume">
            <p>Welcome back. Your browser needs one click to play the room’s music again.</p>
            <button class="primary" @click=${() => void this.startMusic()}>Resume the music</button>
          </section>`
          : nothing
      }
      <moodify-live-room
        room=${this.roomId}
        token=${session ? '' : this.handedToken}
        with-player
        ?no-flow=${this.mode !== 'capture'}
        @feed-change=${() => this.ambient && this.requestUpdate()}
      >
        <moodify-player slot="player" room=${this.roomId}></moodify-player>
      </moodify-live-room>
      ${
        info.role === 'owner'
          ? html`<details class="card share">
            <summary>Invite people or play on a TV</summary>
            <div class="share-grid">
              <section aria-labelledby="invite-title"><h2 id="invite-title">Invite people</h2><moodify-invite room=${this.roomId} room-name=${info.name}></moodify-invite></section>
              <section aria-labelledby="tv-title"><h2 id="tv-title">Play on a TV</h2><moodify-share-tv room=${this.roomId}></moodify-share-tv></section>
            </div>
          </details>`
          : nothing
      }
    `;
  }

  private renderJoin(info: RoomInfo) {
    const session = loadSession();
    if (this.consentOpen) {
      return html`<section class="card">
        <moodify-consent ?record=${Boolean(session)} @consent-given=${() => this.onConsent()} @consent-declined=${() => this.enter('listen')}></moodify-consent>
      </section>`;
    }
    if (this.mode === 'capture') {
      return html`<section class="card join" aria-label="Your camera and microphone">
        <moodify-capture
          room=${this.roomId}
          display-name=${session?.user.displayName ?? this.params.get('name') ?? ''}
          token=${this.handedToken}
          .tokenProvider=${session ? this.tokenProvider : undefined}
          autostart
          ?no-video=${this.params.has('novideo')}
          ?no-audio=${this.params.has('noaudio')}
          @own-mood=${this.onOwnMood}
          @capture-status=${(e: CustomEvent<{ status: string }>) => (this.captureStatus = e.detail.status)}
        ></moodify-capture>
        ${
          ['permission-denied', 'no-devices', 'error'].includes(this.captureStatus)
            ? html`<div class="choices">
              <button @click=${() => this.listenInstead()}>Listen without camera and microphone</button>
              ${this.capture?.errorCode === 'unauthorized' ? html`<a class="button" href="/">Sign in again</a>` : nothing}
              <a class="button quiet" href="/">Back to your rooms</a>
            </div>`
            : nothing
        }
      </section>`;
    }
    return html`<section class="card join" aria-labelledby="join-title">
      <h1 id="join-title">${this.mode === 'listen' ? `You are listening to ${info.name}` : `Join ${info.name}`}</h1>
      <p class="muted">
        ${
          this.mode === 'listen'
            ? 'Your camera and microphone are off. Turn them on to let the music follow your mood too.'
            : 'The music follows the room’s mood. Join with your camera and microphone so it follows yours too, or just listen.'
        }
      </p>
      <div class="choices">
        <button class="primary" @click=${() => this.join('capture')}>Join with camera and microphone</button>
        ${this.mode === 'listen' ? nothing : html`<button @click=${() => this.join('listen')}>Listen only</button>`}
      </div>
    </section>`;
  }
}
