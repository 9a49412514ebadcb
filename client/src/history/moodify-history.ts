/**
 * `<moodify-history>`: the user's history by day or week from GET /api/me/history: mood
 * distribution, valence/arousal path, and the tracks played, liked and skipped.
 */
import './moodify-mood-distribution.js';
import './moodify-track-lists.js';
import './moodify-va-path.js';

import { css, html, LitElement, nothing } from 'lit';
import { customElement, state } from 'lit/decorators.js';

import type { HistoryReply } from '../../../vocabulary/history.js';
import { api, loadSession } from '../dashboard/session.js';
import { base, tokens } from '../design/tokens.js';
import { dataDeletedAt } from '../settings/delete-data.js';

@customElement('moodify-history')
export class MoodifyHistory extends LitElement {
  static override styles = [
    tokens,
    base,
    css`
    :host { display: block; }
    form { display: flex; flex-wrap: wrap; gap: 1rem; align-items: end; margin-bottom: 0.75rem; }
    fieldset { border: none; padding: 0; margin: 0; display: flex; gap: 0.75rem; }
    legend { font-weight: 600; float: left; margin-right: 0.5rem; }
    h3 { font-size: 1.05rem; margin: 1rem 0 0.25rem; }
    .error { color: var(--md-danger); }
  `,
  ];

  @state() private bucket: 'day' | 'week' = 'day';
  @state() private days = 7;
  @state() private history: HistoryReply | undefined;
  @state() private error = '';

  override connectedCallback(): void {
    super.connectedCallback();
    void this.load();
  }

  /** Reloads the history (after a session, or when the period changes). */
  async load(): Promise<void> {
    try {
      this.history = await api<HistoryReply>('GET', `/api/me/history?days=${this.days}&bucket=${this.bucket}`);
      this.error = '';
    } catch (err) {
      this.error = (err as Error).message;
    }
  }

  private choose(change: { bucket?: 'day' | 'week'; days?: number }): void {
    if (change.bucket) this.bucket = change.bucket;
    if (change.days) this.days = change.days;
    void this.load();
  }

  override render() {
    // After "Delete my data" the room's plays from before stay on the server (they are the
    // room's, with nothing about the user left), but the user's own history starts afresh.
    const deletedAt = dataDeletedAt(loadSession()?.user.id);
    const h =
      this.history && deletedAt
        ? { ...this.history, plays: this.history.plays.filter((p) => Date.parse(p.startedAt) > deletedAt) }
        : this.history;
    const samples = h?.buckets.reduce((n, b) => n + b.samples, 0) ?? 0;
    return html`
      <form aria-label="History period" @submit=${(e: Event) => e.preventDefault()}>
        <fieldset>
          <legend>Group by</legend>
          ${(['day', 'week'] as const).map(
            (b) =>
              html`<label><input type="radio" name="bucket" value=${b} .checked=${this.bucket === b} @change=${() => this.choose({ bucket: b })} /> ${b}</label>`,
          )}
        </fieldset>
        <label>Period
          <select @change=${(e: Event) => this.choose({ days: Number((e.target as HTMLSelectElement).value) })}>
            ${[1, 7, 30, 90].map((d) => html`<option value=${d} ?selected=${d === this.days}>last ${d === 1 ? 'day' : `${d} days`}</option>`)}
          </select>
        </label>
        <button type="button" @click=${() => void this.load()}>Refresh history</button>
      </form>
      ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : nothing}
      ${
        h
          ? html`<p role="status" data-samples=${samples} data-plays=${h.plays.length}>
              ${samples} mood readings and ${h.plays.length} tracks played since ${new Date(h.since).toLocaleDateString()};
              ${h.feedback.like} likes, ${h.feedback.skip} skips, ${h.feedback.dislike} dislikes.
            </p>
            <h3>Mood distribution</h3>
            <moodify-mood-distribution .buckets=${h.buckets} bucket=${h.bucket}></moodify-mood-distribution>
            <h3>Valence/arousal path</h3>
            <moodify-va-path .path=${h.path}></moodify-va-path>
            <h3>Tracks</h3>
            ${deletedAt ? html`<p class="muted small">Showing what played since you deleted your data (${new Date(deletedAt).toLocaleString()}).</p>` : nothing}
            <moodify-track-lists .plays=${h.plays} .liked=${h.liked ?? []} .skipped=${h.skipped ?? []}></moodify-track-lists>`
          : html`<p>Loading your history…</p>`
      }
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'moodify-history': MoodifyHistory;
  }
}
