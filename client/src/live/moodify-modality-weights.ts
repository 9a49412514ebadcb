/** `<moodify-modality-weights>`: how much the face and the voice count in the fused mood now. */
import { css, html, LitElement } from 'lit';
import { customElement, property } from 'lit/decorators.js';

import { base, tokens } from '../design/tokens.js';

@customElement('moodify-modality-weights')
export class MoodifyModalityWeights extends LitElement {
  static override styles = [
    tokens,
    base,
    css`
    :host { display: block; }
    dl { display: grid; grid-template-columns: max-content 12rem max-content; gap: 0.25rem 0.75rem; align-items: center; margin: 0.5rem 0; }
    dt { font-weight: 600; }
    dd { margin: 0; }
    meter { width: 100%; }
  `,
  ];

  @property({ attribute: false }) weights: { face: number; voice: number } = { face: 0, voice: 0 };

  override render() {
    const rows = [
      ['Face', 'face', this.weights.face],
      ['Voice', 'voice', this.weights.voice],
    ] as const;
    return html`<dl aria-label="Modality weights in use">
      ${rows.map(
        ([label, id, w]) => html`<dt id=${`w-${id}`}>${label} weight</dt>
          <dd><meter min="0" max="1" .value=${w} aria-labelledby=${`w-${id}`}></meter></dd>
          <dd data-weight=${id}>${w.toFixed(2)}</dd>`,
      )}
    </dl>`;
  }
}
