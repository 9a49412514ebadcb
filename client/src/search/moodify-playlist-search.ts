/**
 * `<moodify-playlist-search>`: find music for a mood, by word ("calm", "energetic", or a title or
 * artist) or by a point on the valence/arousal plane, with GET /api/music/search. Results are
 * sorted by distance from the mood asked for.
 */
import { LitElement, css, html, nothing } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import { api } from '../dashboard/session.js';
import './moodify-va-plane.js';

export interface SearchTrack {
  id: string;
  title: string;
  artist: string | null;
  valence: number;
  arousal: number;
  bpm: number | null;
  key: string | null;
  mode: string | null;
  emotion: string | null;
  /** null when the search names no mood (title/artist words only). */
  distance: number | null;
}

interface SearchReply {
  target: { valence: number; arousal: number } | null;
  /** The words understood as moods, and those matched against titles and artists. */
  moodWords?: string[];
  textWords?: string[];
  tracks: SearchTrack[];
}

const num = (x: number | null | undefined, digits = 2) => (typeof x === 'number' ? x.toFixed(digits) : '–');

@customElement('moodify-playlist-search')
export class MoodifyPlaylistSearch extends LitElement {
  static override styles = css`
    :host { display: block; }
    .layout { display: grid; gap: 1rem; grid-template-columns: minmax(14rem, 18rem) 1fr; align-items: start; }
    @media (max-width: 40rem) { .layout { grid-template-columns: 1fr; } }
    form { display: flex; gap: 0.5rem; flex-wrap: wrap; align-items: end; margin-bottom: 0.75rem; }
    label.stack { display: grid; gap: 0.25rem; }
    table { border-collapse: collapse; width: 100%; }
    th, td { text-align: left; padding: 0.2rem 0.5rem; border-bottom: 1px solid #ddd; }
    td.n { text-align: right; font-variant-numeric: tabular-nums; }
    .error { color: #a00; }
  `;

  @state() private reply: SearchReply | undefined;
  @state() private asked = '';
  @state() private error = '';
  @state() private busy = false;

  private async search(query: Record<string, string>, asked: string): Promise<void> {
    this.busy = true;
    this.error = '';
    try {
      this.reply = await api<SearchReply>('GET', `/api/music/search?${new URLSearchParams({ ...query, limit: '20' })}`);
      this.asked = asked;
    } catch (err) {
      this.error = (err as Error).message;
    } finally {
      this.busy = false;
    }
  }

  private byWords(event: SubmitEvent): void {
    event.preventDefault();
    const q = String(new FormData(event.target as HTMLFormElement).get('q') ?? '').trim();
    if (q) void this.search({ q }, `“${q}”`);
  }

  private byPoint(event: CustomEvent<{ valence: number; arousal: number }>): void {
    const { valence, arousal } = event.detail;
    void this.search({ valence: String(valence), arousal: String(arousal) }, `valence ${valence.toFixed(2)}, arousal ${arousal.toFixed(2)}`);
  }

  private results() {
    const r = this.reply;
    if (!r) return nothing;
    const words = r.moodWords?.length ? `; mood words: ${r.moodWords.join(', ')}` : '';
    const target = r.target ? ` (mood point: valence ${num(r.target.valence)}, arousal ${num(r.target.arousal)}${words})` : '';
    if (r.tracks.length === 0) return html`<p role="status">No tracks for ${this.asked}${target}.</p>`;
    return html`
      <p role="status">${r.tracks.length} tracks for ${this.asked}${target}${r.target ? ', nearest first' : ''}.</p>
      <table>
        <caption>Tracks for ${this.asked}</caption>
        <thead><tr><th scope="col">Title</th><th scope="col">Artist</th><th scope="col">Mood</th><th scope="col">Valence</th><th scope="col">Arousal</th><th scope="col">BPM</th><th scope="col">Distance</th></tr></thead>
        <tbody>
          ${r.tracks.map(
            (t) => html`<tr data-track=${t.id}>
              <td>${t.title}</td><td>${t.artist ?? ''}</td><td>${t.emotion ?? ''}</td>
              <td class="n">${num(t.valence)}</td><td class="n">${num(t.arousal)}</td><td class="n">${num(t.bpm, 0)}</td><td class="n">${num(t.distance)}</td>
            </tr>`,
          )}
        </tbody>
      </table>
    `;
  }

  override render() {
    return html`
      <form aria-label="Search music by mood words" @submit=${(e: SubmitEvent) => this.byWords(e)}>
        <label class="stack">Mood or words <input name="q" type="search" placeholder="calm, energetic, a title…" maxlength="100" /></label>
        <button type="submit" ?disabled=${this.busy}>Search</button>
      </form>
      <div class="layout">
        <moodify-va-plane @pick=${(e: CustomEvent<{ valence: number; arousal: number }>) => this.byPoint(e)}></moodify-va-plane>
        <div>
          ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : nothing}
          ${this.results()}
        </div>
      </div>
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'moodify-playlist-search': MoodifyPlaylistSearch;
  }
}
