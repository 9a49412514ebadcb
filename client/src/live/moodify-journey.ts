/**
 * `<moodify-journey>`: a steered journey ("take the room to calm over 10 minutes") drawn over a
 * small valence/arousal plane: where it started, where it goes, the steps between, the step the
 * music is on now and the room's mood and the music's target from the latest room mood. A line
 * says it in words, with the end in the viewer's local time. Renders nothing without a journey.
 */
import { css, html, LitElement, nothing, svg } from 'lit';
import { customElement, property } from 'lit/decorators.js';

import type { StoryJourney } from '../../../vocabulary/music-story.js';
import { tokens } from '../design/tokens.js';
import { journeyLine, journeyPoints } from './journey-data.js';

@customElement('moodify-journey')
export class MoodifyJourney extends LitElement {
  static override styles = [
    tokens,
    css`
    :host { display: block; }
    figure { margin: var(--md-space-3) 0 0; display: grid; grid-template-columns: 7rem 1fr; gap: var(--md-space-3); align-items: center; }
    svg { width: 7rem; aspect-ratio: 1; background: var(--md-surface-2); border: 1px solid var(--md-border); border-radius: var(--md-radius-s); }
    figcaption { font-size: var(--md-text-s); color: var(--md-text); }
    .legend { color: var(--md-text-muted); font-size: var(--md-text-xs); }
  `,
  ];

  @property({ attribute: false }) journey: StoryJourney | null = null;
  /** The latest room mood (only its status and point are used). */
  @property({ attribute: false }) mood: { status?: string; valence: number | null; arousal: number | null } | null = null;

  override render() {
    const j = this.journey;
    if (!j) return nothing;
    const points = journeyPoints(j);
    const current = points[Math.max(0, Math.min(points.length, j.step) - 1)]!;
    const room =
      this.mood?.status === 'mood' && this.mood.valence !== null && this.mood.arousal !== null
        ? { valence: this.mood.valence, arousal: this.mood.arousal }
        : null;
    const line = journeyLine(j);
    return html`
      <figure>
        <svg viewBox="-1.05 -1.05 2.1 2.1" role="img" aria-label=${`Journey on the valence and arousal plane. ${line}`}>
          ${svg`
            <line x1="-1" y1="0" x2="1" y2="0" stroke="currentColor" stroke-opacity="0.25" stroke-width="0.01" />
            <line x1="0" y1="-1" x2="0" y2="1" stroke="currentColor" stroke-opacity="0.25" stroke-width="0.01" />
            <line x1=${j.from.valence} y1=${-j.from.arousal} x2=${j.to.valence} y2=${-j.to.arousal} stroke="var(--md-accent)" stroke-width="0.03" stroke-dasharray="0.06 0.04" />
            ${points.map(
              (p, i) => svg`<circle cx=${p.valence} cy=${-p.arousal} r=${i + 1 === j.step ? 0.08 : 0.035}
              fill=${i + 1 <= j.step ? 'var(--md-accent)' : 'var(--md-surface)'} stroke="var(--md-accent)" stroke-width="0.015" />`,
            )}
            <circle cx=${j.from.valence} cy=${-j.from.arousal} r="0.04" fill="var(--md-text-muted)" />
            ${room ? svg`<circle cx=${room.valence} cy=${-room.arousal} r="0.06" fill="none" stroke="var(--md-text)" stroke-width="0.02" />` : nothing}
          `}
        </svg>
        <figcaption>
          ${line}
          <div class="legend">Filled dots: steps taken; the large one is where the music is now (valence ${current.valence.toFixed(2)}, arousal ${current.arousal.toFixed(2)})${room ? '; the ring is the room' : ''}.</div>
        </figcaption>
      </figure>
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'moodify-journey': MoodifyJourney;
  }
}
