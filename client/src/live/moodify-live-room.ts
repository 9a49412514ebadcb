/**
 * `<moodify-live-room room=… >`: a room's live view without sending media: the viewer's own
 * emotion flow (chart and modality weights), the group mood, who is in, and what plays with its
 * explanation. It watches the room over its own signalling socket (RoomFeed).
 */
import { LitElement, css, html, nothing, type PropertyValues } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { api, loadSession } from '../dashboard/session.js';
import type { ParticipantMood } from './live-types.js';
import { RoomFeed } from './room-feed.js';
import './moodify-emotion-flow.js';
import './moodify-group-mood.js';
import './moodify-now-playing.js';
import './moodify-presence.js';

@customElement('moodify-live-room')
export class MoodifyLiveRoom extends LitElement {
  static override styles = css`
    :host { display: block; }
    .grid { display: grid; gap: 1rem; grid-template-columns: repeat(auto-fit, minmax(16rem, 1fr)); }
    h3 { margin: 0.75rem 0 0.25rem; font-size: 1.05rem; }
    .error { color: #a00; }
    .state { color: #555; font-size: 0.9em; }
  `;

  @property() room = '';
  /**
   * A token to watch with (the room page's access token). Without one, the signed-in session's
   * access token is used and refreshed when it runs out.
   */
  @property() token = '';
  @state() private tick = 0;

  private feed: RoomFeed | undefined;
  private readonly onChange = () => this.tick++;

  /** One of the viewer's own readings, from the page's capture socket (see RoomFeed.addOwnMood). */
  addOwnMood(mood: ParticipantMood): void {
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
      <p class="state" role="status">${feed.watching ? 'Live' : feed.error ? '' : 'Connecting…'}</p>
      ${feed.error ? html`<p class="error" role="alert">${feed.error}</p>` : nothing}
      <div class="grid">
        <section aria-labelledby="np">
          <h3 id="np">Now playing</h3>
          <moodify-now-playing .track=${feed.nowPlaying}></moodify-now-playing>
        </section>
        <section aria-labelledby="group">
          <h3 id="group">Group mood</h3>
          <moodify-group-mood .mood=${feed.roomMood}></moodify-group-mood>
          <moodify-presence .members=${feed.members} .moods=${feed.latestByParticipant}></moodify-presence>
        </section>
      </div>
      <section aria-labelledby="flow">
        <h3 id="flow">Your emotion flow (last 5 minutes)</h3>
        <moodify-emotion-flow .moods=${feed.ownMoods}></moodify-emotion-flow>
      </section>
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'moodify-live-room': MoodifyLiveRoom;
  }
}
