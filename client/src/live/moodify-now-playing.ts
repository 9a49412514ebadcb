/** `<moodify-now-playing>`: the track the room hears and why it was picked. */
import { LitElement, css, html, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { NowPlaying } from './live-types.js';

@customElement('moodify-now-playing')
export class MoodifyNowPlaying extends LitElement {
  static override styles = css`
    :host { display: block; }
    .title { font-size: 1.2em; font-weight: 600; }
    .why { font-style: italic; }
    .facts { color: #555; font-size: 0.9em; }
  `;

  @property({ attribute: false }) track: NowPlaying | null = null;

  override render() {
    const t = this.track;
    if (!t) return html`<p>Nothing is playing yet.</p>`;
    return html`<div aria-live="polite">
      <div class="title">${t.title}</div>
      ${t.artist ? html`<div>${t.artist}</div>` : nothing}
      <p class="why">${t.explanation}</p>
      <p class="facts">
        strategy ${t.strategy}; valence ${t.valence.toFixed(2)}, arousal ${t.arousal.toFixed(2)}${t.bpm ? `; ${Math.round(t.bpm)} bpm` : ''}${t.key ? `; key ${t.key}` : ''}${t.license ? `; ${t.license}` : ''}
      </p>
    </div>`;
  }
}
