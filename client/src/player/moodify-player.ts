import Hls from 'hls.js';
import { css, html, LitElement, nothing } from 'lit';
import { customElement, property, query, state } from 'lit/decorators.js';

import { base, tokens } from '../design/tokens.js';
import { hlsConfig, isRefusal } from './hls-config.js';
import { type AccessProblem, ListenerCredentials } from './listener-credentials.js';
import { PlayerSync } from './player-sync.js';
import { StallWatchdog } from './stall-watchdog.js';

/** The plain-word story of a pick (CONTRACTS §1; rendered when the server sends it). */
interface MusicStory {
  sentence: string;
  details: string[];
}

/** One pick as the server's now-playing endpoint describes it. */
interface PlayEntry {
  track: { trackId: string; title: string; artist: string | null; explanation: string; durationS: number; story?: MusicStory | null };
  reason: string;
  audibleAtMs: number;
  story?: MusicStory | null;
}

interface NowPlaying {
  streaming: boolean;
  listeners: number;
  current: PlayEntry | null;
  history: PlayEntry[];
}

const NOW_PLAYING_POLL_MS = 2000;
/** A per-browser listener id: the server counts distinct listeners with it. */
function listenerId(): string {
  const key = 'moodify-listener-id';
  try {
    let id = localStorage.getItem(key);
    if (!id) localStorage.setItem(key, (id = crypto.randomUUID()));
    return id;
  } catch {
    return crypto.randomUUID(); // storage disabled: a fresh id per page
  }
}

/** The plain sentence for a pick: the music story when the server has one, never model numbers. */
function storySentence(entry: PlayEntry): string {
  const story = entry.story ?? entry.track.story;
  if (story?.sentence) return story.sentence;
  return entry.reason === 'skip' ? 'Someone skipped, so here is something else.' : '';
}

/**
 * Plays a room's live music stream: hls.js where Media Source Extensions exist, the browser's
 * own HLS otherwise (Safari, iOS, smart TVs). Recovers by itself from network and media errors
 * (a restarted encoder, a server restart) and from an expired sign-in.
 *
 * Every player of a room plays the same instant of the stream (wall-clock sync, see
 * wall-clock-sync.ts): the position on the playlist's program-date clock is steered to "server
 * now + a fixed offset", with a seek for large errors and playbackRate 0.97–1.03 for small ones.
 *
 * Credentials: a listener link (`listenToken` property, else `?lt=` in the page URL), else the
 * signed-in member's access token as a Bearer header (refreshed on 401). When the server refuses
 * (revoked link, not a member, closed room) the player stops retrying and fires
 * `moodify-player-access` (detail: { status, message }) so the page can say what happened.
 *
 * The now-playing card follows what the listener hears, not what the server just started:
 * entries are matched against the playback position on the program-date clock.
 */
@customElement('moodify-player')
export class MoodifyPlayer extends LitElement {
  static override styles = [
    tokens,
    base,
    css`
      :host { display: block; min-width: 0; }
      .now { display: grid; gap: var(--md-space-1); margin-bottom: var(--md-space-4); min-width: 0; }
      .title, .artist, .why { min-width: 0; overflow: hidden; text-overflow: ellipsis; }
      .title { font-size: var(--md-text-xl); font-weight: 650; white-space: nowrap; }
      .artist { color: var(--md-text-muted); white-space: nowrap; }
      .why { display: -webkit-box; -webkit-line-clamp: 2; -webkit-box-orient: vertical; }
      .controls { display: flex; flex-wrap: wrap; gap: var(--md-space-2); align-items: center; }
      .controls label { display: inline-flex; gap: var(--md-space-2); align-items: center; }
      .status { min-height: 1.5em; font-size: var(--md-text-s); color: var(--md-text-muted); margin: var(--md-space-2) 0 0; }
      :host([minimal]) .controls, :host([minimal]) .status:empty { display: none; }
      :host([tv]) { font-size: clamp(16px, 2.2vw, 40px); }
      :host([tv]) .title { font-size: clamp(1.6rem, 4.4vw, 5rem); }
      :host([tv]) .artist, :host([tv]) .why { font-size: clamp(1rem, 2.2vw, 2.4rem); }
      :host([tv]) button, :host([tv]) .controls label { font-size: clamp(0.9rem, 1.4vw, 1.6rem); }
      :host([tv]) button { min-height: 2.8em; }
      /* read from a sofa: "offline", "reconnecting" and "press Play" as large as the controls, not small print */
      :host([tv]) .status { font-size: clamp(1rem, 1.8vw, 2.2rem); color: var(--md-text); }
      :host([tv][minimal]) .title { font-size: clamp(1.8rem, 6vw, 7rem); }
    `,
  ];

  /** The room whose stream plays. */
  @property() room = '';
  /** Big-screen layout (listen page on a TV). */
  @property({ type: Boolean, reflect: true }) tv = false;
  /** Start playing at once (browsers may refuse without a user gesture; the play button remains). */
  @property({ type: Boolean }) autoplay = false;
  /** Hides the controls (the listen page's full-screen view): the music plays on. */
  @property({ type: Boolean, reflect: true }) minimal = false;
  /** Turns the wall-clock sync off (plain "near the live edge" playback, for comparison). */
  @property({ type: Boolean }) nosync = false;
  /** A listener link's token; defaults to the page's `?lt=`. */
  @property({ attribute: false }) listenToken = new URLSearchParams(location.search).get('lt') ?? '';

  @state() private playing = false;
  @state() private volume = 1;
  @state() private entry: PlayEntry | null = null;
  @state() private status = '';

  @query('audio') audio!: HTMLAudioElement;

  hls: Hls | undefined;
  /** The wall-clock sync of this player (player-sync.ts). */
  readonly sync = new PlayerSync(
    () => this.audio,
    () => this.hls,
  );
  /** Gets a stuck player moving again (stall-watchdog.ts). */
  readonly watchdog = new StallWatchdog({
    audio: () => this.audio,
    hls: () => this.hls,
    target: () => {
      const position = this.nosync ? -1 : this.sync.startPosition();
      return position >= 0 ? position : undefined;
    },
    restart: () => {
      this.hls?.destroy();
      this.hls = undefined;
      this.attach();
    },
  });

  private nowPlaying: NowPlaying | undefined;
  private pollTimer: number | undefined;
  private retryTimer: number | undefined;
  /** The listener pressed Play (or autoplay): keep playing across re-attaches. */
  private wantsPlay = false;
  private refused = false;
  private readonly lid = listenerId();
  private readonly credentials = new ListenerCredentials(() => this.listenToken);

  private withLink(path: string): string {
    const lt = this.listenToken;
    return lt ? `${path}${path.includes('?') ? '&' : '?'}lt=${encodeURIComponent(lt)}` : path;
  }

  get playlistUrl(): string {
    return this.withLink(`/stream/${encodeURIComponent(this.room)}/live.m3u8?lid=${this.lid}`);
  }

  override firstUpdated(): void {
    this.audio.addEventListener('playing', () => ((this.playing = true), (this.status = '')));
    this.audio.addEventListener('pause', () => (this.playing = false));
    this.audio.addEventListener('waiting', () => (this.status = navigator.onLine === false ? OFFLINE : 'Loading the music…'));
    // hls.js waits quietly while the browser is offline (no error reaches the handler below), so
    // the page says it here; the 'playing' event clears it once the music is back.
    window.addEventListener('offline', this.onOffline);
    window.addEventListener('online', this.onOnline);
    void (this.nosync ? Promise.resolve() : this.sync.start()).then(() => this.attach());
    void this.pollNowPlaying();
    if (this.autoplay) void this.play();
    if (Hls.isSupported()) this.watchdog.start();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    window.removeEventListener('offline', this.onOffline);
    window.removeEventListener('online', this.onOnline);
    this.watchdog.stop();
    this.stopAll();
  }

  private readonly onOffline = (): void => {
    this.status = OFFLINE;
  };

  private readonly onOnline = (): void => {
    if (this.status === OFFLINE) this.status = 'Reconnecting to the room…';
  };

  private stopAll(): void {
    clearTimeout(this.pollTimer);
    this.sync.stop();
    clearTimeout(this.retryTimer);
    this.hls?.destroy();
    this.hls = undefined;
  }

  /** Starts over with fresh credentials (after the page paired again or signed in). */
  restart(): void {
    this.refused = false;
    this.stopAll();
    this.status = '';
    void (this.nosync ? Promise.resolve() : this.sync.start()).then(() => this.attach());
    void this.pollNowPlaying();
  }

  private attach(): void {
    if (Hls.isSupported()) {
      const hls = new Hls(hlsConfig({ nosync: this.nosync, bearer: () => this.credentials.bearer() }));
      hls.on(Hls.Events.ERROR, (_event, data) => {
        if (hls !== this.hls) return;
        // A refusal, fatal or not (hls.js keeps reloading a live playlist that answers 403).
        const code = (data.response as { code?: number } | undefined)?.code;
        const playlist = data.details === Hls.ErrorDetails.MANIFEST_LOAD_ERROR || data.details === Hls.ErrorDetails.LEVEL_LOAD_ERROR;
        if (isRefusal(code, playlist)) {
          void this.onRefused(code!);
          return;
        }
        if (!data.fatal) return;
        this.status = navigator.onLine === false ? OFFLINE : 'Reconnecting to the room…';
        if (data.type === Hls.ErrorTypes.MEDIA_ERROR) hls.recoverMediaError();
        else {
          // Network errors and anything else: start over, with the newest credentials.
          hls.destroy();
          this.hls = undefined;
          this.retryTimer = window.setTimeout(() => this.attach(), 1500);
        }
      });
      if (!this.nosync) hls.once(Hls.Events.LEVEL_LOADED, () => hls.startLoad(this.sync.startPosition()));
      hls.loadSource(this.playlistUrl);
      hls.attachMedia(this.audio);
      this.hls = hls;
      // Attaching loads a new source, which pauses the element: play again if the listener asked to.
      hls.on(Hls.Events.MEDIA_ATTACHED, () => {
        if (this.wantsPlay) void this.play();
      });
    } else if (this.audio.canPlayType('application/vnd.apple.mpegurl')) {
      // The browser's own HLS (Safari, TVs) cannot send headers: it plays with a listener link.
      this.audio.src = this.playlistUrl;
      this.audio.addEventListener('error', () => {
        this.status = 'Reconnecting to the room…';
        this.retryTimer = window.setTimeout(() => {
          this.audio.src = this.playlistUrl;
          if (this.playing) void this.audio.play().catch(() => {});
        }, 1500);
      });
    } else {
      this.status = 'This browser cannot play the room’s music. Try another browser.';
    }
  }

  /** 401: refresh a signed-in session and try again once; otherwise stop and tell the page. */
  private async onRefused(status: number): Promise<void> {
    this.hls?.destroy();
    this.hls = undefined;
    const problem: AccessProblem = await this.credentials.diagnose(this.room, status);
    if (problem.retry) {
      this.retryTimer = window.setTimeout(() => this.attach(), 1000);
      return;
    }
    this.refused = true;
    this.sync.stop();
    this.status = problem.message;
    this.dispatchEvent(
      new CustomEvent('moodify-player-access', {
        detail: { status: problem.status, message: problem.message },
        bubbles: true,
        composed: true,
      }),
    );
  }

  async play(): Promise<void> {
    this.wantsPlay = true;
    // Not attached yet (the server clock is being read): MEDIA_ATTACHED starts it.
    if (!this.hls && !this.audio.src) return;
    try {
      await this.audio.play();
    } catch (err) {
      // The browser wants a click first (autoplay policy). An AbortError only means a new
      // source interrupted it: MEDIA_ATTACHED plays again.
      if ((err as Error).name === 'NotAllowedError') this.status = 'Press Play to start the music.';
    }
  }

  private toggle(): void {
    // By what the listener hears (the button's label), not audio.paused: a play() still starting
    // is not paused, and a click on "Play" then must not stop it.
    if (!this.playing) void this.play();
    else {
      this.wantsPlay = false;
      this.audio.pause();
    }
  }

  private onVolume(event: Event): void {
    this.volume = Number((event.target as HTMLInputElement).value);
    this.audio.volume = this.volume;
  }

  /** The playback position on the program-date clock (ms), when the player knows it. */
  playingDateMs(): number | undefined {
    return this.sync.playingDateMs();
  }

  /** Last measured sync error, ms (position minus target on the program-date clock), for tests and the bench. */
  get syncErrorMs(): number | undefined {
    return this.sync.errorMs;
  }

  private async pollNowPlaying(): Promise<void> {
    if (this.refused) return;
    try {
      const response = await this.credentials.fetch(this.withLink(`/api/rooms/${encodeURIComponent(this.room)}/now-playing`));
      if (response.ok) this.nowPlaying = (await response.json()) as NowPlaying;
    } catch {
      /* the next poll tries again */
    }
    this.updateEntry();
    this.pollTimer = window.setTimeout(() => void this.pollNowPlaying(), NOW_PLAYING_POLL_MS);
  }

  private updateEntry(): void {
    const np = this.nowPlaying;
    if (!np) return;
    const at = this.playingDateMs();
    const heard = at === undefined ? undefined : np.history.filter((e) => e.audibleAtMs <= at).at(-1);
    this.entry = heard ?? np.current;
  }

  private async post(path: string, body?: unknown): Promise<Response> {
    return this.credentials.fetch(this.withLink(path), {
      method: 'POST',
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? null : JSON.stringify(body),
    });
  }

  private async skip(): Promise<void> {
    const response = await this.post(`/api/rooms/${encodeURIComponent(this.room)}/skip`);
    this.status = response.ok ? 'Skipping: the next track fades in shortly.' : await errorText(response);
  }

  private async feedback(kind: 'like' | 'dislike'): Promise<void> {
    if (!this.entry) return;
    const response = await this.post(`/api/rooms/${encodeURIComponent(this.room)}/feedback`, {
      trackId: this.entry.track.trackId,
      kind,
      listenerId: this.lid,
    });
    this.status = response.ok ? (kind === 'like' ? 'Thanks: more like this.' : 'Noted: less like this.') : await errorText(response);
  }

  override render() {
    const t = this.entry?.track;
    const sentence = this.entry ? storySentence(this.entry) : '';
    return html`
      <section class="now" aria-live="polite">
        ${
          t
            ? html`<div class="title" title=${t.title}>${t.title}</div>
              ${t.artist ? html`<div class="artist" title=${t.artist}>${t.artist}</div>` : nothing}
              ${sentence ? html`<div class="why">${sentence}</div>` : nothing}`
            : html`<div class="title">Waiting for music…</div>`
        }
      </section>
      <div class="controls">
        <button class="primary" @click=${this.toggle} aria-label=${this.playing ? 'Pause' : 'Play'}>${this.playing ? 'Pause' : 'Play'}</button>
        <button @click=${this.skip} aria-label="Skip to another track">Skip</button>
        <button @click=${() => this.feedback('like')} aria-label="Like this track" ?disabled=${!t}>Like</button>
        <button @click=${() => this.feedback('dislike')} aria-label="Dislike this track" ?disabled=${!t}>Dislike</button>
        <label>Volume <input type="range" min="0" max="1" step="0.05" .value=${String(this.volume)} @input=${this.onVolume} /></label>
      </div>
      <p class="status" role="status">${this.status}</p>
      <audio preload="auto"></audio>
    `;
  }
}

const OFFLINE = 'This screen is offline. The music comes back when the network does.';

async function errorText(response: Response): Promise<string> {
  try {
    const body = (await response.json()) as { error?: string; message?: string };
    return body.message ?? body.error ?? `The server answered ${response.status}.`;
  } catch {
    return `The server answered ${response.status}.`;
  }
}
