/**
 * `<moodify-uplot>`: one uPlot chart inside a lit element. Give it `options` (series, axes,
 * scales; no width/height, it fills its box) and `data`; it sizes itself to its width and redraws
 * when either changes. uPlot's stylesheet goes into the shadow root (the page's CSS would not
 * reach it). The plotted data stay readable as `data`, and `label` names the chart for assistive
 * technology (charts are images to a screen reader: give a text summary next to it as well).
 */
import { css, html, LitElement, type PropertyValues, unsafeCSS } from 'lit';
import { customElement, property, query } from 'lit/decorators.js';
import uPlot from 'uplot';
import uplotCss from 'uplot/dist/uPlot.min.css';

export type ChartOptions = Omit<uPlot.Options, 'width' | 'height'>;

@customElement('moodify-uplot')
export class MoodifyUplot extends LitElement {
  static override styles = [
    unsafeCSS(uplotCss),
    css`
      :host { display: block; min-width: 0; color: var(--md-text, inherit); }
      .chart { width: 100%; }
      /* uPlot's legend toggles series on click, a mouse-only control: here it is a plain key. */
      .u-legend { pointer-events: none; }
    `,
  ];

  @property({ attribute: false }) options: ChartOptions | undefined;
  @property({ attribute: false }) data: uPlot.AlignedData = [[]];
  @property({ type: Number }) height = 220;
  @property() label = '';

  @query('.chart') private box!: HTMLDivElement;
  private plot: uPlot | undefined;
  private resize: ResizeObserver | undefined;

  /** The uPlot instance (tests and callers may read its scales and series). */
  get chart(): uPlot | undefined {
    return this.plot;
  }

  override firstUpdated(): void {
    this.resize = new ResizeObserver(() => this.plot?.setSize({ width: this.width(), height: this.height }));
    this.resize.observe(this);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.resize?.disconnect();
    this.plot?.destroy();
    this.plot = undefined;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    if (this.hasUpdated) {
      this.resize?.observe(this);
      this.requestUpdate('options');
    }
  }

  protected override updated(changed: PropertyValues<this>): void {
    if (!this.options) return;
    if (!this.plot || changed.has('options') || changed.has('height')) {
      this.plot?.destroy();
      this.plot = new uPlot({ ...this.themed(this.options), width: this.width(), height: this.height }, this.data, this.box);
    } else if (changed.has('data')) {
      this.plot.setData(this.data);
    }
  }

  /** Axis labels and grid lines in the design's colours (a canvas does not follow CSS, so dark mode needs them set). */
  private themed(options: ChartOptions): ChartOptions {
    const style = getComputedStyle(this);
    const ink = style.getPropertyValue('--md-text-muted').trim() || '#55546a';
    const line = style.getPropertyValue('--md-border').trim() || '#d4d1e0';
    const axes = (options.axes ?? [{}, {}]).map((axis) => ({
      stroke: ink,
      grid: { stroke: line, width: 1 },
      ticks: { stroke: line, width: 1 },
      ...axis,
    }));
    return { ...options, axes };
  }

  private width(): number {
    return Math.max(200, Math.floor(this.getBoundingClientRect().width) || 600);
  }

  override render() {
    return html`<div class="chart" role="img" aria-label=${this.label}></div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'moodify-uplot': MoodifyUplot;
  }
}
