/**
 * `<moodify-va-path>`: the user's valence/arousal path over the period (per-minute means from the
 * history), as two lines over time. Gaps longer than 10 minutes (between sessions) are not joined.
 */
import '../charts/moodify-uplot.js';

import { css, html, LitElement, type PropertyValues } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import type uPlot from 'uplot';

import type { HistoryReply } from '../../../vocabulary/history.js';
import type { ChartOptions } from '../charts/moodify-uplot.js';
import { base, tokens } from '../design/tokens.js';
import { pathData } from './path-data.js';

/**
 * The chart for a time span [from, to] (seconds). The span is given, not found by uPlot: a
 * single minute of readings would otherwise stretch the axis over years. Short spans widen to an hour.
 */
const optionsFor = (from: number, to: number): ChartOptions => ({
  scales: {
    x: { time: true, auto: false, range: to - from < 3600 ? [(from + to) / 2 - 1800, (from + to) / 2 + 1800] : [from, to] },
    v: { range: [-1, 1] },
  },
  axes: [{}, { scale: 'v', label: 'valence / arousal' }],
  series: [
    {},
    { label: 'valence', scale: 'v', stroke: '#6a1b9a', width: 2 },
    { label: 'arousal', scale: 'v', stroke: '#ef6c00', width: 2, dash: [5, 3] },
  ],
  legend: { live: false },
  cursor: { drag: { x: false, y: false } },
});

@customElement('moodify-va-path')
export class MoodifyVaPath extends LitElement {
  static override styles = [tokens, base, css`:host { display: block; }`];

  @property({ attribute: false }) path: HistoryReply['path'] = [];
  @state() private data: uPlot.AlignedData = pathData([]);
  @state() private options: ChartOptions = optionsFor(0, 0);

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (!changed.has('path')) return;
    this.data = pathData(this.path);
    const x = this.data[0];
    this.options = optionsFor(x[0] ?? 0, x.at(-1) ?? 0);
  }

  override render() {
    if (this.path.length === 0) return html`<p>No valence/arousal readings in this period.</p>`;
    const first = this.path[0]!;
    const last = this.path.at(-1)!;
    const summary = `Valence and arousal over ${this.path.length} minutes with readings, from ${first.valence.toFixed(2)}, ${first.arousal.toFixed(2)} to ${last.valence.toFixed(2)}, ${last.arousal.toFixed(2)}`;
    return html`<p>${summary}.</p><moodify-uplot .options=${this.options} .data=${this.data} height="200" label=${summary}></moodify-uplot>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'moodify-va-path': MoodifyVaPath;
  }
}
