/**
 * `<moodify-room-ambient>`: the room's mood as colour and motion, full screen, for a TV or a laptop
 * left open: slow drifting light in the mood's colour, the mood in words and what plays. Long
 * titles truncate; nothing clips at any size. Escape or the Close button leaves it.
 */
import { css, html, LitElement, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { styleMap } from 'lit/directives/style-map.js';

import type { NowPlayingView, RoomMoodView } from '../../../vocabulary/live-events.js';
import { base, moodColour, tokens } from '../design/tokens.js';
import { moodWord, storySentence } from './story.js';

@customElement('moodify-room-ambient')
export class MoodifyRoomAmbient extends LitElement {
  static override styles = [
    tokens,
    base,
    css`
      :host { position: fixed; inset: 0; z-index: 100; display: grid; place-items: center; background: #07060b; color: #f6f5fb; overflow: hidden; }
      .glow { position: absolute; width: 70vmax; height: 70vmax; border-radius: 50%; filter: blur(12vmax); opacity: 0.75; background: var(--mood); transition: background 4s ease; animation: drift 24s ease-in-out infinite alternate; }
      .glow.two { animation-duration: 31s; animation-direction: alternate-reverse; opacity: 0.45; left: 40%; top: 30%; }
      @keyframes drift { from { transform: translate(-30%, -20%) scale(0.9); } to { transform: translate(20%, 15%) scale(1.15); } }
      .text { position: relative; text-align: center; width: min(90vw, 70rem); padding: var(--md-space-5); }
      .mood { font-size: clamp(2rem, 6vw, 6rem); font-weight: 800; letter-spacing: -0.03em; margin: 0 0 var(--md-space-4); }
      .title { font-size: clamp(1.1rem, 2.6vw, 2.6rem); font-weight: 600; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; margin: 0; }
      .why { font-size: clamp(0.95rem, 1.6vw, 1.6rem); opacity: 0.85; margin: var(--md-space-3) 0 0; }
      button.close { position: absolute; top: var(--md-space-4); right: var(--md-space-4); background: rgb(0 0 0 / 0.45); color: #fff; border-color: rgb(255 255 255 / 0.5); }
    `,
  ];

  @property({ attribute: false }) mood: RoomMoodView | null = null;
  @property({ attribute: false }) track: NowPlayingView | null = null;

  private readonly onKey = (e: KeyboardEvent) => e.key === 'Escape' && this.close();

  override connectedCallback(): void {
    super.connectedCallback();
    window.addEventListener('keydown', this.onKey);
    void this.requestFullscreen?.().catch(() => {});
  }

  override disconnectedCallback(): void {
    window.removeEventListener('keydown', this.onKey);
    if (document.fullscreenElement === this) void document.exitFullscreen().catch(() => {});
    super.disconnectedCallback();
  }

  override firstUpdated(): void {
    this.renderRoot.querySelector<HTMLButtonElement>('button.close')?.focus();
  }

  private close(): void {
    this.dispatchEvent(new CustomEvent('close', { bubbles: true, composed: true }));
  }

  override render() {
    const m = this.mood;
    // The room's word is null unless its status is 'mood' (empty, or nobody read with confidence yet).
    const emotion = m?.status === 'mood' ? m.emotion : null;
    const colour = emotion !== null ? moodColour(emotion) : 'var(--md-accent)';
    return html`
      <div class="glow" style=${styleMap({ '--mood': colour })}></div>
      <div class="glow two" style=${styleMap({ '--mood': colour })}></div>
      <button class="close" @click=${() => this.close()}>Close</button>
      <div class="text" role="status" aria-live="polite">
        <p class="mood">${m?.status === 'empty' ? 'Waiting for people to join' : emotion === null ? 'Listening to the room…' : `The room feels ${moodWord(emotion)}`}</p>
        ${
          this.track
            ? html`<p class="title" title=${this.track.title}>${this.track.title}${this.track.artist ? ` · ${this.track.artist}` : ''}</p>
              <p class="why">${storySentence(this.track, m)}</p>`
            : nothing
        }
      </div>
    `;
  }
}
