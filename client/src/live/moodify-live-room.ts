/**
 * `<moodify-live-room room=… >`: a room's live view without sending media: what plays and why,
 * the group mood, who is in, and the viewer's own emotion flow. It watches the room over its own
 * signalling socket (RoomFeed). A page that plays the room itself puts its `<moodify-player>` in
 * the `player` slot and sets `with-player`: the player shows the title, this view the why.
 */
import './moodify-emotion-flow.js';
import './moodify-group-mood.js';
import './moodify-journey.js';
import './moodify-now-playing.js';
import './moodify-presence.js';

import { css, html, LitElement, nothing, type PropertyValues } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';

import type { ParticipantMoodView } from '../../../vocabulary/live-events.js';
import { api, loadSession } from '../dashboard/session.js';
import { base, tokens } from '../design/tokens.js';
import { RoomFeed } from './room-feed.js';

@customElement('moodify-live-room')
export class MoodifyLiveRoom extends LitElement {
  static override styles = [
    tokens,
    base,
    css`
      :host { display: block; }
      .grid { display: grid; gap: var(--md-space-4); grid-template-columns: minmax(0, 1fr); }
      @media (min-width: 760px) { .grid { grid-template-columns: minmax(0, 3fr) minmax(0, 2fr); } }
      .wide { grid-column: 1 / -1; }
      h3 { font-size: var(--md-text-xs); text-transform: uppercase; letter-spacing: 0.08em; color: var(--md-text-muted); margin: 0 0 var(--md-space-3); }
      .state { font-size: var(--md-text-s); color: var(--md-text-muted); margin: 0 0 var(--md-space-3); min-height: 1.5em; }
      moodify-presence { margin-top: var(--md-space-4); padding-top: var(--md-space-4); border-top: 1px solid var(--md-border); }
      ::slotted([slot='player']) { margin-bottom: var(--md-space-4); }
    `,
  ];

  @property() room = '';
  /**
   * A token to watch with (the room page's access token). Without one, the signed-in session's
   * access token is used and refreshed when it runs out.
   */
  @property() token = '';
  /** The page plays the room itself (its player sits in the `player` slot). */
  @property({ type: Boolean, attribute: 'with-player' }) withPlayer = false;
  /** Leave out the viewer's own emotion flow (listening without camera or microphone). */
  @property({ type: Boolean, attribute: 'no-flow' }) noFlow = false;
  @state() private tick = 0;

  private feed: RoomFeed | undefined;
  private readonly onChange = () => {
    this.tick++;
    this.dispatchEvent(new CustomEvent('feed-change', { bubbles: true, composed: true }));
  };

  /** One of the viewer's own readings, from the page's capture socket (see RoomFeed.addOwnMood). */
  addOwnMood(mood: ParticipantMoodView): void {
    this.feed?.addOwnMood(mood);
  }

  /** The live state (tests read the chart's data through it too). */
  get roomFeed(): RoomFeed | undefined {
    return this.feed;
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.close();
  }

  override connectedCallback(): void {
    super.connectedCallback();
    if (this.hasUpdated && this.room) this.open();
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('room') || changed.has('token')) {
      this.close();
      if (this.room && this.isConnected) this.open();
    }
  }

  private open(): void {
    const feed = new RoomFeed(
      this.room,
      () => this.token || loadSession()?.accessToken,
      // Any authenticated request refreshes an expired access token (session.ts).
      this.token ? undefined : () => api('GET', '/api/me').then(() => undefined),
    );
    feed.addEventListener('change', this.onChange);
    feed.start();
    this.feed = feed;
  }

  private close(): void {
    this.feed?.removeEventListener('change', this.onChange);
    this.feed?.stop();
    this.feed = undefined;
  }

  override render() {
    const feed = this.feed;
    if (!feed) return nothing;
    return html`
      ${feed.watching || feed.error ? nothing : html`<p class="state" role="status">Connecting to the room…</p>`}
      ${feed.error ? html`<p class="error" role="alert">${plainFeedError(feed.error)}</p>` : nothing}
      <div class="grid">
        <section class="card" aria-labelledby="np">
          <h3 id="np">Now playing</h3>
          <slot name="player"></slot>
          <moodify-now-playing .track=${feed.nowPlaying} .mood=${feed.roomMood} ?why-only=${this.withPlayer}></moodify-now-playing>
        </section>
        <section class="card" aria-labelledby="group">
          <h3 id="group">The room’s mood</h3>
          <moodify-journey .journey=${feed.nowPlaying?.story?.journey ?? null} .mood=${feed.roomMood}></moodify-journey>
          <moodify-group-mood .mood=${feed.roomMood} members=${feed.members.length}></moodify-group-mood>
          ${feed.members.length ? html`<moodify-presence .members=${feed.members} .moods=${memberMoods(feed)}></moodify-presence>` : nothing}
        </section>
        ${
          this.noFlow
            ? nothing
            : html`<section class="card wide" aria-labelledby="flow">
              <h3 id="flow">Your mood over the last 5 minutes</h3>
              <moodify-emotion-flow .moods=${feed.ownMoods}></moodify-emotion-flow>
            </section>`
        }
      </div>
    `;
  }
}

/**
 * Each member's mood as the room's mood snapshot has it (the same instant as the group mood, so
 * the two never contradict), else their latest own reading.
 */
function memberMoods(feed: RoomFeed): ReadonlyMap<string, { emotion: string }> {
  const status = feed.roomMood?.status;
  // While the room is still being listened to, no one's mood is said yet: the group says "listening".
  if (status === 'listening' || status === 'empty') return new Map();
  const fromRoom = status === 'mood' ? feed.roomMood?.memberMoods : undefined;
  if (!fromRoom?.length) return feed.latestByParticipant;
  return new Map(fromRoom.filter((m) => m.counted).map((m) => [m.participantId, { emotion: m.emotion }]));
}

/** The feed's errors (server words) as a person would read them. */
function plainFeedError(error: string): string {
  if (/token|unauthori[sz]ed|sign/i.test(error))
    return 'Your sign-in has ended, so the room’s live view stopped. Reload the page or sign in again.';
  if (/closed|not found|no such room/i.test(error)) return 'This room was closed or no longer exists.';
  if (/member|forbidden|revoked/i.test(error)) return 'You can no longer see this room’s live view: you are not a member any more.';
  return `The live view stopped: ${error}`;
}

declare global {
  interface HTMLElementTagNameMap {
    'moodify-live-room': MoodifyLiveRoom;
  }
}
