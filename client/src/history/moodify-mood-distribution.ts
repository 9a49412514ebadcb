/**
 * `<moodify-mood-distribution>`: per day or week, how the user's mood readings split between the
 * seven emotions (one stacked bar per period), with the period's mean valence and arousal. The
 * bars are drawn from a table, which stays available to screen readers. (styleMap sets styles
 * through the CSSOM, which a strict style-src policy allows.)
 */
import { css, html, LitElement } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { styleMap } from 'lit/directives/style-map.js';

import { FER_LABELS } from '../../../vocabulary/emotions.js';
import type { HistoryBucket } from '../../../vocabulary/history.js';
import { base, tokens } from '../design/tokens.js';
import { EMOTION_COLOURS } from './emotion-colours.js';

const percent = (n: number, total: number) => (total > 0 ? (100 * n) / total : 0);

@customElement('moodify-mood-distribution')
export class MoodifyMoodDistribution extends LitElement {
  static override styles = [
    tokens,
    base,
    css`
    :host { display: block; }
    table { border-collapse: collapse; width: 100%; }
    th, td { padding: 0.2rem 0.4rem; text-align: left; vertical-align: middle; }
    th[scope='row'] { white-space: nowrap; font-weight: 500; }
    .bar { display: flex; height: 1.1rem; min-width: 10rem; border-radius: 3px; overflow: hidden; background: var(--md-surface-2); }
    .bar span { display: block; height: 100%; }
    .legend { display: flex; flex-wrap: wrap; gap: 0.25rem 0.9rem; margin: 0.5rem 0 0; padding: 0; list-style: none; }
    .swatch { display: inline-block; width: 0.8rem; height: 0.8rem; margin-right: 0.3rem; vertical-align: -0.1rem; border-radius: 2px; }
    .n { font-variant-numeric: tabular-nums; white-space: nowrap; }
  `,
  ];

  @property({ attribute: false }) buckets: readonly HistoryBucket[] = [];
  @property() bucket: 'day' | 'week' = 'day';

  private periodName(start: string): string {
    const date = new Date(start);
    const day = date.toLocaleDateString(undefined, { weekday: 'short', month: 'short', day: 'numeric' });
    return this.bucket === 'week' ? `Week of ${day}` : day;
  }

  override render() {
    if (this.buckets.length === 0) return html`<p>No mood readings in this period.</p>`;
    return html`
      <table>
        <caption>Mood by ${this.bucket}</caption>
        <thead><tr><th scope="col">${this.bucket === 'week' ? 'Week' : 'Day'}</th><th scope="col">Emotions</th><th scope="col">Readings</th><th scope="col">Mean valence, arousal</th></tr></thead>
        <tbody>
          ${this.buckets.map((b) => {
            const parts = FER_LABELS.filter((l) => (b.moods[l] ?? 0) > 0).map((l) => ({
              label: l,
              n: b.moods[l]!,
              share: percent(b.moods[l]!, b.samples),
            }));
            const summary = parts.map((p) => `${p.label} ${Math.round(p.share)}%`).join(', ');
            return html`<tr data-bucket=${b.start}>
              <th scope="row">${this.periodName(b.start)}</th>
              <td><div class="bar" role="img" aria-label=${summary}>
                ${parts.map((p) => html`<span title=${`${p.label}: ${p.n} (${Math.round(p.share)}%)`} style=${styleMap({ width: `${p.share}%`, background: EMOTION_COLOURS[p.label] })}></span>`)}
              </div></td>
              <td class="n">${b.samples}</td>
              <td class="n">${b.valence.toFixed(2)}, ${b.arousal.toFixed(2)}</td>
            </tr>`;
          })}
        </tbody>
      </table>
      <ul class="legend" aria-label="Colours">
        ${FER_LABELS.map((l) => html`<li><span class="swatch" style=${styleMap({ background: EMOTION_COLOURS[l] })}></span>${l}</li>`)}
      </ul>
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'moodify-mood-distribution': MoodifyMoodDistribution;
  }
}
