/** `<moodify-presence>`: who is in the room, whether their camera and microphone send, and their latest mood word. */
import { css, html, LitElement, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { styleMap } from 'lit/directives/style-map.js';

import type { MemberView, ParticipantMoodView } from '../../../vocabulary/live-events.js';
import { base, moodColour, tokens } from '../design/tokens.js';
import { moodWord } from './story.js';

@customElement('moodify-presence')
export class MoodifyPresence extends LitElement {
  static override styles = [
    tokens,
    base,
    css`
      :host { display: block; }
      ul { list-style: none; padding: 0; margin: 0; display: grid; gap: var(--md-space-2); }
      li { display: flex; align-items: center; gap: var(--md-space-3); min-width: 0; }
      .avatar { width: 2rem; height: 2rem; border-radius: 50%; display: grid; place-items: center; font-weight: 700; font-size: var(--md-text-s); background: var(--md-surface-2); border: 2px solid currentColor; flex: none; }
      .who { min-width: 0; display: grid; }
      .name { font-weight: 600; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
      .devices { color: var(--md-text-muted); font-size: var(--md-text-s); }
    `,
  ];

  @property({ attribute: false }) members: readonly MemberView[] = [];
  /** Each member's latest mood word (the room's own member moods where the server sends them). */
  @property({ attribute: false }) moods: ReadonlyMap<string, Pick<ParticipantMoodView, 'emotion'>> = new Map();

  override render() {
    if (this.members.length === 0) return html`<p class="muted">Nobody is in the room yet.</p>`;
    return html`<ul aria-label="People in the room">
      ${this.members.map((m) => {
        const mood = this.moods.get(m.participantId);
        const devices = [m.camera ? 'camera' : '', m.mic ? 'microphone' : ''].filter(Boolean).join(' and ');
        const colour = mood ? moodColour(mood.emotion) : 'var(--md-border)';
        return html`<li data-participant=${m.participantId}>
          <span class="avatar" aria-hidden="true" style=${styleMap({ color: colour })}><span style="color: var(--md-text)">${initial(m.displayName)}</span></span>
          <span class="who">
            <span class="name">${m.displayName}</span>
            <span class="devices">${mood ? html`seems ${moodWord(mood.emotion)}` : nothing}${mood && (m.camera !== undefined || m.mic !== undefined) ? ' · ' : ''}${m.camera === undefined && m.mic === undefined ? nothing : devices ? `${devices} on` : 'listening only'}</span>
          </span>
        </li>`;
      })}
    </ul>`;
  }
}

function initial(name: string): string {
  return (name.trim()[0] ?? '?').toUpperCase();
}
