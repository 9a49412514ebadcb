/**
 * `<moodify-va-plane>`: pick a point on the valence/arousal plane. Click (or tap) the plane, or
 * focus it and use the arrow keys (Enter or Space picks); two labelled sliders do the same for
 * anyone who prefers them. Fires `pick` with { valence, arousal } when a point is chosen.
 */
import { css, html, LitElement, svg } from 'lit';
import { customElement, property } from 'lit/decorators.js';

import { tokens } from '../design/tokens.js';

const STEP = 0.1;
const round = (x: number) => Math.round(Math.max(-1, Math.min(1, x)) * 100) / 100;

/** Corner words, where the circumplex puts them. */
const CORNERS = [
  { x: 0.95, y: -0.85, text: 'happy, excited', anchor: 'end' },
  { x: -0.95, y: -0.85, text: 'angry, tense', anchor: 'start' },
  { x: -0.95, y: 0.92, text: 'sad, tired', anchor: 'start' },
  { x: 0.95, y: 0.92, text: 'calm, relaxed', anchor: 'end' },
];

@customElement('moodify-va-plane')
export class MoodifyVaPlane extends LitElement {
  static override styles = [
    tokens,
    css`
    :host { display: block; }
    svg { width: min(100%, 18rem); aspect-ratio: 1; display: block; cursor: crosshair; background: var(--md-surface-2); border: 1px solid var(--md-border); border-radius: var(--md-radius-s); }
    svg:focus-visible { outline: 3px solid var(--md-focus); outline-offset: 2px; }
    .sliders { display: grid; gap: var(--md-space-1); margin-top: var(--md-space-2); max-width: 18rem; }
    label { display: grid; grid-template-columns: 5rem 1fr 3rem; gap: var(--md-space-2); align-items: center; }
    text { font: 0.09px system-ui, sans-serif; fill: var(--md-text-muted); }
    .axis { stroke: var(--md-border); }
    .point { fill: var(--md-accent); }
  `,
  ];

  @property({ type: Number }) valence = 0;
  @property({ type: Number }) arousal = 0;

  private set(valence: number, arousal: number, pick: boolean): void {
    this.valence = round(valence);
    this.arousal = round(arousal);
    if (pick)
      this.dispatchEvent(
        new CustomEvent('pick', { detail: { valence: this.valence, arousal: this.arousal }, bubbles: true, composed: true }),
      );
  }

  private onClick(event: MouseEvent): void {
    const box = (event.currentTarget as SVGSVGElement).getBoundingClientRect();
    const valence = ((event.clientX - box.left) / box.width) * 2 - 1;
    const arousal = 1 - ((event.clientY - box.top) / box.height) * 2;
    this.set(valence, arousal, true);
  }

  private onKey(event: KeyboardEvent): void {
    const moves: Record<string, [number, number]> = {
      ArrowLeft: [-STEP, 0],
      ArrowRight: [STEP, 0],
      ArrowUp: [0, STEP],
      ArrowDown: [0, -STEP],
    };
    const move = moves[event.key];
    if (move) {
      event.preventDefault();
      this.set(this.valence + move[0], this.arousal + move[1], false);
    } else if (event.key === 'Enter' || event.key === ' ') {
      event.preventDefault();
      this.set(this.valence, this.arousal, true);
    }
  }

  override render() {
    const description = `Valence ${this.valence.toFixed(2)}, arousal ${this.arousal.toFixed(2)}. Arrow keys move the point, Enter searches.`;
    return html`
      <svg viewBox="-1 -1 2 2" role="button" tabindex="0" aria-label=${`Valence/arousal plane. ${description}`}
        @click=${(e: MouseEvent) => this.onClick(e)} @keydown=${(e: KeyboardEvent) => this.onKey(e)}>
        ${svg`<line class="axis" x1="-1" y1="0" x2="1" y2="0" stroke-width="0.01" />
          <line class="axis" x1="0" y1="-1" x2="0" y2="1" stroke-width="0.01" />
          ${CORNERS.map((c) => svg`<text x=${c.x} y=${c.y} text-anchor=${c.anchor}>${c.text}</text>`)}
          <text x="0.95" y="-0.03" text-anchor="end">valence →</text>
          <text x="0.03" y="-0.93">↑ arousal</text>
          <circle class="point" cx=${this.valence} cy=${-this.arousal} r="0.05" />`}
      </svg>
      <div class="sliders">
        <label>Valence <input type="range" min="-1" max="1" step="0.05" .value=${String(this.valence)}
          @change=${(e: Event) => this.set(Number((e.target as HTMLInputElement).value), this.arousal, true)} /><output>${this.valence.toFixed(2)}</output></label>
        <label>Arousal <input type="range" min="-1" max="1" step="0.05" .value=${String(this.arousal)}
          @change=${(e: Event) => this.set(this.valence, Number((e.target as HTMLInputElement).value), true)} /><output>${this.arousal.toFixed(2)}</output></label>
      </div>
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'moodify-va-plane': MoodifyVaPlane;
  }
}
