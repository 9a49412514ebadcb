/** `<moodify-group-mood>`: the room's group mood, as the music follows it. */
import { LitElement, css, html } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { RoomMood } from './live-types.js';

@customElement('moodify-group-mood')
export class MoodifyGroupMood extends LitElement {
  static override styles = css`
    :host { display: block; }
    .word { font-size: 1.3em; font-weight: 600; }
  `;

  @property({ attribute: false }) mood: RoomMood | null = null;

  override render() {
    const m = this.mood;
    if (!m) return html`<p>No group mood yet.</p>`;
    return html`<p>
      The room seems <span class="word">${m.emotion}</span>
      (confidence ${m.confidence.toFixed(2)}; valence ${m.valence.toFixed(2)}, arousal ${m.arousal.toFixed(2)};
      ${m.members} ${m.members === 1 ? 'person' : 'people'})
    </p>`;
  }
}
