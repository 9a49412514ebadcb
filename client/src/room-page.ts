import { LitElement, css, html } from 'lit';
import { customElement, query } from 'lit/decorators.js';
import './capture/moodify-capture.js';
import './live/moodify-live-room.js';
import { loadSession } from './dashboard/session.js';
import type { ParticipantMood } from './live/live-types.js';
import type { MoodifyLiveRoom } from './live/moodify-live-room.js';

/**
 * /room/:roomId — join a room with this device's camera and microphone, and see the room live:
 * who is in, the group mood, what plays and why, and your own emotion flow.
 */
@customElement('moodify-room')
export class MoodifyRoom extends LitElement {
  static override styles = css`
    :host { display: block; font-family: system-ui, sans-serif; max-width: 56rem; margin: 2rem auto; padding: 0 1rem; }
  `;

  private readonly roomId = decodeURIComponent(location.pathname.split('/')[2] ?? '');
  private readonly params = new URLSearchParams(location.search);
  @query('moodify-live-room') private liveRoom!: MoodifyLiveRoom;

  // The capture socket is the participant, so it hears our own detailed readings even where the
  // live view's watch socket is anonymous and would leave the emotion flow empty.
  private readonly onOwnMood = (e: CustomEvent<ParticipantMood>) => this.liveRoom?.addOwnMood(e.detail);

  override render() {
    return html`
      <h1>Room ${this.roomId}</h1>
      <moodify-capture
        room=${this.roomId}
        display-name=${this.params.get('name') ?? ''}
        token=${this.params.get('token') ?? ''}
        ?autostart=${this.params.has('autostart')}
        ?no-video=${this.params.has('novideo')}
        ?no-audio=${this.params.has('noaudio')}
        @own-mood=${this.onOwnMood}
      ></moodify-capture>
      <!-- A signed-in session watches with its own (refreshable) access token; the address's token only otherwise. -->
      <moodify-live-room room=${this.roomId} token=${loadSession() ? '' : (this.params.get('token') ?? '')}></moodify-live-room>
    `;
  }
}
