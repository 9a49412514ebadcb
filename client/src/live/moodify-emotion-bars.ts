/**
 * `<moodify-emotion-bars>`: the latest reading's seven emotion probabilities from the face, the
 * voice and their fusion, side by side: a table (readable as such by screen readers) whose cells
 * carry a bar.
 */
import { css, html, LitElement } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { styleMap } from 'lit/directives/style-map.js';

import { FER_LABELS } from '../../../vocabulary/emotions.js';
import type { ParticipantMoodView } from '../../../vocabulary/live-events.js';
import { base, tokens } from '../design/tokens.js';
import { EMOTION_COLOURS } from '../history/emotion-colours.js';

@customElement('moodify-emotion-bars')
export class MoodifyEmotionBars extends LitElement {
  static override styles = [
    tokens,
    base,
    css`
    :host { display: block; }
    table { border-collapse: collapse; }
    th, td { padding: 0.15rem 0.5rem; text-align: left; font-weight: normal; }
    thead th { font-weight: 600; }
    td { min-width: 7rem; }
    .bar { display: inline-block; height: 0.7rem; vertical-align: middle; border-radius: 2px; margin-right: 0.3rem; }
    .n { font-variant-numeric: tabular-nums; font-size: 0.85em; }
  `,
  ];

  @property({ attribute: false }) reading: ParticipantMoodView | undefined;

  override render() {
    const r = this.reading;
    if (!r?.probabilities) return html``;
    const columns = [
      ['Fused', r.probabilities],
      ['Face', r.face ?? null],
      ['Voice', r.voice ?? null],
    ] as const;
    return html`<table>
      <caption>Latest probabilities by emotion</caption>
      <thead><tr><th scope="col">Emotion</th>${columns.map(([name]) => html`<th scope="col">${name}</th>`)}</tr></thead>
      <tbody>
        ${FER_LABELS.map(
          (label, i) => html`<tr>
            <th scope="row">${label}</th>
            ${columns.map(([, p]) => {
              const v = p?.[i];
              return html`<td>${
                v === undefined
                  ? html`<span class="n">–</span>`
                  : html`<span class="bar" style=${styleMap({ width: `${Math.round(v * 80)}px`, background: EMOTION_COLOURS[label] })}></span><span class="n">${v.toFixed(2)}</span>`
              }</td>`;
            })}
          </tr>`,
        )}
      </tbody>
    </table>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'moodify-emotion-bars': MoodifyEmotionBars;
  }
}
