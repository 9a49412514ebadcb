import { LitElement, css, html } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import './dashboard/moodify-dashboard.js';

interface Readiness {
  status: string;
  database: { kind: string; ok: boolean };
  workers: { expected: number; alive: number };
}

/** The application shell. Later issues put capture, player and dashboard inside it. */
@customElement('moodify-app')
export class MoodifyApp extends LitElement {
  static override styles = css`
    :host { display: block; font-family: system-ui, sans-serif; max-width: 56rem; margin: 2rem auto; padding: 0 1rem; }
    .status { color: #555; }
    .status[data-ready='false'] { color: #a00; }
  `;

  @state() private readiness?: Readiness;
  @state() private error?: string;

  override connectedCallback(): void {
    super.connectedCallback();
    void this.refresh();
  }

  private async refresh(): Promise<void> {
    try {
      const response = await fetch('/readyz');
      this.readiness = (await response.json()) as Readiness;
      this.error = undefined;
    } catch (err) {
      this.error = String(err);
    }
  }

  override render() {
    const r = this.readiness;
    return html`
      <h1>Moodify</h1>
      <p class="status" role="status" data-ready=${String(r?.status === 'ready')}>
        ${this.error
          ? `Server unreachable: ${this.error}`
          : r
            ? `Server ${r.status}: database ${r.database.kind} ${r.database.ok ? 'up' : 'down'}, ` +
              `${r.workers.alive}/${r.workers.expected} media workers`
            : 'Checking server…'}
      </p>
      <moodify-dashboard></moodify-dashboard>
    `;
  }
}
