/** `<moodify-presence>`: who is in the room, whether their camera and microphone send, and their latest mood word. */
import { LitElement, css, html, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { Member, ParticipantMood } from './live-types.js';

@customElement('moodify-presence')
export class MoodifyPresence extends LitElement {
  static override styles = css`
    :host { display: block; }
    ul { list-style: none; padding: 0; margin: 0; display: grid; gap: 0.3rem; }
    .devices { color: #555; font-size: 0.9em; }
  `;

  @property({ attribute: false }) members: readonly Member[] = [];
  @property({ attribute: false }) moods: ReadonlyMap<string, ParticipantMood> = new Map();

  override render() {
    if (this.members.length === 0) return html`<p>Nobody is in the room.</p>`;
    return html`<ul aria-label="People in the room">
      ${this.members.map((m) => {
        const mood = this.moods.get(m.participantId);
        const devices = [m.camera ? 'camera' : '', m.mic ? 'microphone' : ''].filter(Boolean).join(' and ');
        return html`<li data-participant=${m.participantId}>
          <strong>${m.displayName}</strong>
          <span class="devices">${m.camera === undefined && m.mic === undefined ? nothing : devices ? `(${devices} on)` : '(listening only)'}</span>
          ${mood ? html`: seems <em>${mood.emotion}</em>` : nothing}
        </li>`;
      })}
    </ul>`;
  }
}
