import { LitElement, css, html, nothing } from 'lit';
import { customElement, property, query, state } from 'lit/decorators.js';
import Hls from 'hls.js';

/** One pick as the server's now-playing endpoint describes it. */
interface PlayEntry {
  track: { trackId: string; title: string; artist: string | null; explanation: string; durationS: number };
  reason: string;
  audibleAtMs: number;
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

/**
 * Plays a room's live music stream: hls.js where Media Source Extensions exist, the browser's
 * own HLS otherwise (Safari, iOS, smart TVs). Recovers by itself from network and media errors
 * (a restarted encoder, a server restart). The now-playing card follows what the listener
 * hears, not what the server just started: entries are matched against the playback position
 * on the playlist's program-date clock.
 */
@customElement('moodify-player')
export class MoodifyPlayer extends LitElement {
  static override styles = css`
    :host { display: block; font-family: system-ui, sans-serif; color: inherit; }
    .card { display: grid; gap: 0.25rem; margin-bottom: 1rem; }
    .title { font-size: 1.4em; font-weight: 600; }
    .artist { opacity: 0.8; }
    .why { font-style: italic; opacity: 0.85; }
    .controls { display: flex; flex-wrap: wrap; gap: 0.5rem; align-items: center; }
    button { font: inherit; padding: 0.4em 0.9em; border-radius: 0.4em; border: 1px solid currentColor; background: transparent; color: inherit; cursor: pointer; }
    button:focus-visible, input:focus-visible { outline: 3px solid #4a90e2; outline-offset: 2px; }
    .status { min-height: 1.2em; font-size: 0.9em; opacity: 0.8; }
    :host([tv]) { font-size: clamp(18px, 2.6vw, 40px); }
    :host([tv]) .title { font-size: 2.2em; }
    :host([tv]) button { padding: 0.5em 1.2em; }
  `;

  /** The room whose stream plays. */
  @property() room = '';
  /** Big-screen layout (listen page on a TV). */
  @property({ type: Boolean, reflect: true }) tv = false;
  /** Start playing at once (browsers may refuse without a user gesture; the play button remains). */
  @property({ type: Boolean }) autoplay = false;

  @state() private playing = false;
  @state() private volume = 1;
  @state() private entry: PlayEntry | null = null;
  @state() private status = '';

  @query('audio') audio!: HTMLAudioElement;

  private hls: Hls | undefined;
  private nowPlaying: NowPlaying | undefined;
  private pollTimer: number | undefined;
  private readonly lid = listenerId();
  /** A listener link's token (`/listen/:room?lt=…`), carried on every request to the room. */
  private readonly lt = new URLSearchParams(location.search).get('lt') ?? '';

  private withLink(path: string): string {
    return this.lt ? `${path}${path.includes('?') ? '&' : '?'}lt=${encodeURIComponent(this.lt)}` : path;
  }

  get playlistUrl(): string {
    return this.withLink(`/stream/${encodeURIComponent(this.room)}/live.m3u8?lid=${this.lid}`);
  }

  override firstUpdated(): void {
    this.audio.addEventListener('playing', () => ((this.playing = true), (this.status = '')));
    this.audio.addEventListener('pause', () => (this.playing = false));
    this.audio.addEventListener('waiting', () => (this.status = 'Buffering…'));
    this.attach();
    void this.pollNowPlaying();
    if (this.autoplay) void this.play();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    clearTimeout(this.pollTimer);
    this.hls?.destroy();
    this.hls = undefined;
  }

  private attach(): void {
    if (Hls.isSupported()) {
      const hls = new Hls({
        // Low-Latency HLS: the server lists ~1/3 s parts and answers blocking reloads, and its
        // PART-HOLD-BACK sets how far behind the live edge to play (no liveSync* override here,
        // which would replace it). A mood change is heard about a second after it is mixed.
        lowLatencyMode: true,
        // Stay near the live edge: play up to 4% faster (pitch kept) when behind after a stall.
        // (No liveMaxLatencyDurationCount: hls.js accepts it only with liveSyncDurationCount.)
        maxLiveSyncPlaybackRate: 1.04,
        // Keep retrying: a room stream may be restarting, the player must come back on its own.
        manifestLoadPolicy: { default: { maxTimeToFirstByteMs: 15000, maxLoadTimeMs: 20000, timeoutRetry: { maxNumRetry: 100, retryDelayMs: 500, maxRetryDelayMs: 2000 }, errorRetry: { maxNumRetry: 100, retryDelayMs: 500, maxRetryDelayMs: 2000 } } },
        backBufferLength: 30,
      });
      hls.on(Hls.Events.ERROR, (_event, data) => {
        if (!data.fatal) return;
        this.status = 'Reconnecting…';
        if (data.type === Hls.ErrorTypes.MEDIA_ERROR) hls.recoverMediaError();
        else if (data.type === Hls.ErrorTypes.NETWORK_ERROR) setTimeout(() => hls.startLoad(), 1000);
        else {
          hls.destroy();
          setTimeout(() => this.attach(), 1000);
        }
      });
      hls.loadSource(this.playlistUrl);
      hls.attachMedia(this.audio);
      this.hls = hls;
    } else if (this.audio.canPlayType('application/vnd.apple.mpegurl')) {
      this.audio.src = this.playlistUrl;
      this.audio.addEventListener('error', () => {
        this.status = 'Reconnecting…';
        setTimeout(() => {
          this.audio.src = this.playlistUrl;
          if (this.playing) void this.audio.play().catch(() => {});
        }, 1000);
      });
    } else {
      this.status = 'This browser cannot play HLS streams.';
    }
  }

  async play(): Promise<void> {
    try {
      await this.audio.play();
    } catch {
      this.status = 'Press play to start the music.';
    }
  }

  private toggle(): void {
    if (this.audio.paused) void this.play();
    else this.audio.pause();
  }

  private onVolume(event: Event): void {
    this.volume = Number((event.target as HTMLInputElement).value);
    this.audio.volume = this.volume;
  }

  /** The playback position on the program-date clock (ms), when the player knows it. */
  private playingDateMs(): number | undefined {
    const date = this.hls?.playingDate;
    if (date) return date.getTime();
    const start = (this.audio as HTMLAudioElement & { getStartDate?: () => Date }).getStartDate?.();
    if (start && !Number.isNaN(start.getTime())) return start.getTime() + this.audio.currentTime * 1000;
    return undefined;
  }

  private async pollNowPlaying(): Promise<void> {
    try {
      const response = await fetch(this.withLink(`/api/rooms/${encodeURIComponent(this.room)}/now-playing`));
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
    return fetch(this.withLink(path), {
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
    return html`
      <section class="card" aria-live="polite">
        ${t
          ? html`<div class="title">${t.title}</div>
              ${t.artist ? html`<div class="artist">${t.artist}</div>` : nothing}
              <div class="why">${t.explanation}</div>`
          : html`<div class="title">Waiting for music…</div>`}
      </section>
      <div class="controls">
        <button @click=${this.toggle} aria-label=${this.playing ? 'Pause' : 'Play'}>${this.playing ? 'Pause' : 'Play'}</button>
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

async function errorText(response: Response): Promise<string> {
  try {
    const body = (await response.json()) as { error?: string };
    return body.error ?? `The server answered ${response.status}.`;
  } catch {
    return `The server answered ${response.status}.`;
  }
}
