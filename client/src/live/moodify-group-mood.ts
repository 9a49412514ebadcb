/**
 * `<moodify-group-mood>`: the room's mood as one story: nobody in yet, listening (members but
 * no confident reading), or the mood word with its colour; a pinned override wherever the mood
 * shows; the numbers only inside "details".
 */
import { css, html, LitElement, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { styleMap } from 'lit/directives/style-map.js';

import type { RoomMoodView } from '../../../vocabulary/live-events.js';
import { base, moodColour, tokens } from '../design/tokens.js';
import { localTime, moodWord } from './story.js';

@customElement('moodify-group-mood')
export class MoodifyGroupMood extends LitElement {
  static override styles = [
    tokens,
    base,
    css`
      :host { display: block; }
      .mood { display: flex; align-items: center; gap: var(--md-space-3); margin: 0 0 var(--md-space-2); }
      .dot { width: 2.25rem; height: 2.25rem; border-radius: 50%; flex: none; box-shadow: 0 0 0 6px color-mix(in srgb, currentColor 18%, transparent); background: currentColor; }
      .word { font-size: var(--md-text-l); font-weight: 700; }
      .listening .dot { animation: pulse 1.6s ease-in-out infinite; color: var(--md-text-muted); }
      @keyframes pulse { 50% { transform: scale(0.7); opacity: 0.6; } }
      .pinned { background: var(--md-warning-soft); color: var(--md-warning); border-radius: var(--md-radius-s); padding: var(--md-space-1) var(--md-space-3); font-size: var(--md-text-s); display: inline-block; margin: 0 0 var(--md-space-2); }
      ul { margin: var(--md-space-2) 0 0; padding-left: var(--md-space-5); font-size: var(--md-text-s); color: var(--md-text-muted); }
    `,
  ];

  @property({ attribute: false }) mood: RoomMoodView | null = null;
  /** People in the room now (the live presence), when the mood event does not say. */
  @property({ type: Number }) members = -1;

  override render() {
    const m = this.mood;
    const members = m?.members ?? this.members;
    const status = m ? m.status : members === 0 ? 'empty' : members > 0 ? 'listening' : 'none';
    if (status === 'empty')
      return html`<div class="mood" data-state="empty"><span class="word">Nobody has joined with a camera or microphone yet</span></div>`;
    if (status === 'none') return html`<p class="muted" data-state="none">No mood yet.</p>`;
    // The word and the point are null unless the status is 'mood': without them, there is nothing to name yet.
    if (status === 'listening' || !m || m.emotion === null || m.valence === null || m.arousal === null) {
      return html`<div class="mood listening" data-state="listening"><span class="dot" aria-hidden="true"></span>
        <span class="word">Listening to the room…</span></div>
        <p class="small muted">The music waits for a confident reading of the room before it follows it.</p>
        ${this.pinned(m)}`;
    }
    // Named when one person is the whole room: "You seem" would be wrong for a listener watching.
    const one = m.members === 1 ? m.memberMoods?.find((x) => x.counted)?.displayName : undefined;
    const plural = `${one ?? 'The room'} ${m.unsure ? 'might be' : 'seems'}`;
    return html`
      <div class="mood" data-state="mood" style=${styleMap({ color: moodColour(m.emotion) })}>
        <span class="dot" aria-hidden="true"></span>
        <span class="word" style="color: var(--md-text)">${plural} ${moodWord(m.emotion)}</span>
      </div>
      ${this.pinned(m)}
      <details>
        <summary>Details</summary>
        <ul>
          <li>Emotion: ${m.emotion}, confidence ${m.confidence.toFixed(2)}</li>
          <li>Valence ${m.valence.toFixed(2)}, arousal ${m.arousal.toFixed(2)}</li>
          <li>${m.members} ${m.members === 1 ? 'person' : 'people'} counted</li>
          ${m.target ? html`<li>Music target: valence ${m.target.valence.toFixed(2)}, arousal ${m.target.arousal.toFixed(2)}</li>` : nothing}
        </ul>
      </details>
    `;
  }

  private pinned(m: RoomMoodView | null) {
    const o = m?.override;
    if (!o) return nothing;
    return html`<p class="pinned" data-override=${o.emotion}>
      📌 ${o.displayName ? `${o.displayName} pinned` : 'Pinned'} to ${moodWord(String(o.emotion))} until ${localTime(o.until)}
    </p>`;
  }
}
