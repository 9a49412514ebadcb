/**
 * `<moodify-emotion-flow>`: the viewer's own mood over the last minutes, as valence lines for
 * the mood the music follows, the sensed (fused) mood, the face and the voice (7-class
 * probabilities placed on the circumplex the server uses), plus the confidence (flow-data.ts).
 * Under a mood override the first line is the pinned mood while the sensed ones go on. A text
 * line says the latest reading for screen readers.
 */
import '../charts/moodify-uplot.js';
import './moodify-emotion-bars.js';
import './moodify-modality-weights.js';

import { css, html, LitElement, nothing, type PropertyValues } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import type uPlot from 'uplot';

import type { ParticipantMoodView } from '../../../vocabulary/live-events.js';
import type { ChartOptions } from '../charts/moodify-uplot.js';
import { tokens } from '../design/tokens.js';
import { flowData } from './flow-data.js';
import { localTime, moodWord } from './story.js';

const OPTIONS: ChartOptions = {
  // At least a minute of time axis: the first seconds of readings are not spread over the width.
  scales: { x: { time: true, range: (_u, min, max) => (max - min < 60 ? [max - 60, max + 1] : [min, max]) }, v: { range: [-1, 1] } },
  axes: [{}, { scale: 'v', label: 'valence / confidence' }],
  series: [
    {},
    { label: 'mood valence', scale: 'v', stroke: '#6a1b9a', width: 2.5 },
    { label: 'sensed valence', scale: 'v', stroke: '#c2185b', width: 1.5 },
    { label: 'face valence', scale: 'v', stroke: '#1565c0', width: 1.5, dash: [6, 3] },
    { label: 'voice valence', scale: 'v', stroke: '#2e7d32', width: 1.5, dash: [2, 3] },
    { label: 'confidence', scale: 'v', stroke: '#9e6b00', width: 1 },
  ],
  legend: { live: false },
  cursor: { drag: { x: false, y: false } },
};

@customElement('moodify-emotion-flow')
export class MoodifyEmotionFlow extends LitElement {
  static override styles = [
    tokens,
    css`
    :host { display: block; }
    .latest { margin: 0.25rem 0 0.5rem; }
    .empty { color: var(--md-text-muted); }
    .detail { display: flex; flex-wrap: wrap; gap: 1rem 2rem; align-items: start; }
  `,
  ];

  /** The readings to draw, oldest first (RoomFeed.ownMoods). */
  @property({ attribute: false }) moods: readonly ParticipantMoodView[] = [];
  @state() private data: uPlot.AlignedData = flowData([]);

  /** How many readings the chart holds now. */
  get sampleCount(): number {
    return this.data[0].length;
  }

  /** The plotted columns, as the chart has them (time in seconds first). */
  get chartData(): uPlot.AlignedData {
    return this.data;
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('moods')) {
      this.data = flowData(this.moods);
      this.dataset.samples = String(this.data[0].length);
    }
  }

  override render() {
    const last = this.moods.at(-1);
    return html`
      <p class="latest" aria-live="polite">
        ${
          last
            ? html`Right now you seem <strong>${moodWord(last.emotion)}</strong>${
                last.source === 'override' && last.override
                  ? html`, pinned by your override until ${localTime(last.override.until)}`
                  : nothing
              }.`
            : html`<span class="empty">No readings yet: they appear while your camera or microphone sends.</span>`
        }
      </p>
      <moodify-uplot
        .options=${OPTIONS}
        .data=${this.data}
        label=${`Your mood over the last minutes: ${this.data[0].length} readings; valence of your mood, of the sensed mood, of face and voice, and confidence`}
      ></moodify-uplot>
      <div class="detail">
        ${last?.weights ? html`<moodify-modality-weights .weights=${last.weights}></moodify-modality-weights>` : nothing}
        <moodify-emotion-bars .reading=${last}></moodify-emotion-bars>
      </div>
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'moodify-emotion-flow': MoodifyEmotionFlow;
  }
}
