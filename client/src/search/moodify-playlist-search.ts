/**
 * `<moodify-playlist-search>`: find music for a mood, by word ("calm", "energetic", or a title or
 * artist) or by a point on the valence/arousal plane, with GET /api/music/search. Results are
 * sorted by distance from the mood asked for. Each result (and a picked point) can steer a room:
 * "Play next" queues the track, "Take the room here" sets the room's destination, reached over
 * the chosen minutes (steer.ts). `room=ID` fixes the room; without it the user picks one of theirs.
 */
import './moodify-va-plane.js';

import { css, html, LitElement, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';

import { api } from '../dashboard/session.js';
import { base, tokens } from '../design/tokens.js';
import {
  destinationLabel,
  JOURNEY_MINUTES,
  localTime,
  playNext,
  type SteerableRoom,
  steerableRooms,
  stopJourney,
  takeRoomTo,
} from './steer.js';

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
  static override styles = [
    tokens,
    base,
    css`
    :host { display: block; }
    .layout { display: grid; gap: var(--md-space-4); grid-template-columns: minmax(14rem, 18rem) 1fr; align-items: start; }
    @media (max-width: 40rem) { .layout { grid-template-columns: 1fr; } }
    form, .steer, .point { display: flex; gap: var(--md-space-2); flex-wrap: wrap; align-items: end; margin-bottom: var(--md-space-3); }
    label.stack { display: grid; gap: var(--md-space-1); }
    table { border-collapse: collapse; width: 100%; }
    th, td { text-align: left; padding: var(--md-space-1) var(--md-space-2); border-bottom: 1px solid var(--md-border); }
    td.n { text-align: right; font-variant-numeric: tabular-nums; }
    td.actions { white-space: nowrap; }
    td.actions button { font-size: var(--md-text-xs); padding: var(--md-space-1) var(--md-space-2); }
    .error { color: var(--md-danger); }
    .done { color: var(--md-success); }
  `,
  ];

  /** The room to steer; unset, the user chooses one of the rooms they are a member of. */
  @property() room: string | undefined;

  @state() private reply: SearchReply | undefined;
  @state() private asked = '';
  @state() private error = '';
  @state() private busy = false;
  @state() private rooms: SteerableRoom[] = [];
  @state() private chosenRoom = '';
  @state() private minutes: number = 10;
  /** The point last picked on the plane (its search results are the tracks nearest it). */
  @state() private point: { valence: number; arousal: number } | undefined;
  @state() private steerMessage = '';
  @state() private steerError = '';
  /** The room a journey was started in from here (to offer stopping it). */
  @state() private journeyRoom = '';

  override connectedCallback(): void {
    super.connectedCallback();
    if (this.room) return;
    steerableRooms()
      .then((rooms) => {
        this.rooms = rooms;
        this.chosenRoom ||= rooms[0]?.id ?? '';
      })
      .catch(() => (this.rooms = [])); // signed out: search still works, steering is not offered
  }

  private get steerRoom(): string {
    return this.room ?? this.chosenRoom;
  }

  private roomName(id: string): string {
    return this.rooms.find((r) => r.id === id)?.name ?? 'the room';
  }

  private async steer(action: () => Promise<string>): Promise<void> {
    this.steerError = '';
    this.steerMessage = '';
    try {
      this.steerMessage = await action();
    } catch (err) {
      this.steerError = (err as Error).message;
    }
  }

  private playNext(track: SearchTrack): void {
    const roomId = this.steerRoom;
    void this.steer(async () => {
      const queued = await playNext(roomId, track.id);
      const when = queued.playsAfter > Date.now() + 1000 ? ` after ${localTime(queued.playsAfter)}` : ' in a moment';
      return `“${track.title}” plays next in ${this.roomName(roomId)}${when}.`;
    });
  }

  private takeRoomHere(point: { valence: number; arousal: number }, label: string | undefined): void {
    const roomId = this.steerRoom;
    const minutes = this.minutes;
    void this.steer(async () => {
      const { journey } = await takeRoomTo(roomId, point, minutes, label);
      this.journeyRoom = roomId;
      return `Taking ${this.roomName(roomId)} to ${journey.label} over ${minutes} minutes, in ${journey.steps} steps (arriving about ${localTime(journey.endsAt)}).`;
    });
  }

  private stopJourney(): void {
    const roomId = this.journeyRoom;
    void this.steer(async () => {
      await stopJourney(roomId);
      this.journeyRoom = '';
      return `The journey in ${this.roomName(roomId)} stopped; the music follows the room again.`;
    });
  }

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
    this.point = undefined;
    const q = String(new FormData(event.target as HTMLFormElement).get('q') ?? '').trim();
    if (q) void this.search({ q }, `“${q}”`);
  }

  private byPoint(event: CustomEvent<{ valence: number; arousal: number }>): void {
    const { valence, arousal } = event.detail;
    this.point = { valence, arousal };
    void this.search(
      { valence: String(valence), arousal: String(arousal) },
      `valence ${valence.toFixed(2)}, arousal ${arousal.toFixed(2)}`,
    );
  }

  private results() {
    const r = this.reply;
    if (!r) return nothing;
    const words = r.moodWords?.length ? `; mood words: ${r.moodWords.join(', ')}` : '';
    const target = r.target ? ` (mood point: valence ${num(r.target.valence)}, arousal ${num(r.target.arousal)}${words})` : '';
    const canSteer = Boolean(this.steerRoom);
    const label = destinationLabel(r.moodWords);
    const point = this.point ?? r.target ?? undefined;
    const pointActions =
      point && canSteer
        ? html`<div class="point" role="group" aria-label="Steer the room with this mood">
          ${r.tracks[0] ? html`<button type="button" @click=${() => this.playNext(r.tracks[0]!)}>Play the nearest next</button>` : nothing}
          <button type="button" @click=${() => this.takeRoomHere(point, label)}>Take the room here</button>
        </div>`
        : nothing;
    if (r.tracks.length === 0) return html`<p role="status">No tracks for ${this.asked}${target}.</p>${pointActions}`;
    return html`
      <p role="status">${r.tracks.length} tracks for ${this.asked}${target}${r.target ? ', nearest first' : ''}.</p>
      ${pointActions}
      <table>
        <caption>Tracks for ${this.asked}</caption>
        <thead><tr><th scope="col">Title</th><th scope="col">Artist</th><th scope="col">Mood</th><th scope="col">Valence</th><th scope="col">Arousal</th><th scope="col">BPM</th><th scope="col">Distance</th>${canSteer ? html`<th scope="col">Steer</th>` : nothing}</tr></thead>
        <tbody>
          ${r.tracks.map(
            (t) => html`<tr data-track=${t.id}>
              <td>${t.title}</td><td>${t.artist ?? ''}</td><td>${t.emotion ?? ''}</td>
              <td class="n">${num(t.valence)}</td><td class="n">${num(t.arousal)}</td><td class="n">${num(t.bpm, 0)}</td><td class="n">${num(t.distance)}</td>
              ${
                canSteer
                  ? html`<td class="actions">
                    <button type="button" aria-label=${`Play ${t.title} next`} @click=${() => this.playNext(t)}>Play next</button>
                    <button type="button" aria-label=${`Take the room to the mood of ${t.title}`} @click=${() => this.takeRoomHere({ valence: t.valence, arousal: t.arousal }, label)}>Take the room here</button>
                  </td>`
                  : nothing
              }
            </tr>`,
          )}
        </tbody>
      </table>
    `;
  }

  /** Which room, and over how long a journey goes. */
  private steerBar() {
    if (!this.room && this.rooms.length === 0) return nothing;
    return html`
      <div class="steer" role="group" aria-label="Steer a room's music">
        ${
          this.room
            ? nothing
            : html`<label class="stack">Room to steer
              <select @change=${(e: Event) => (this.chosenRoom = (e.target as HTMLSelectElement).value)}>
                ${this.rooms.map((room) => html`<option value=${room.id} ?selected=${room.id === this.chosenRoom}>${room.name}</option>`)}
              </select></label>`
        }
        <label class="stack">Get there over
          <select @change=${(e: Event) => (this.minutes = Number((e.target as HTMLSelectElement).value))}>
            ${JOURNEY_MINUTES.map((m) => html`<option value=${m} ?selected=${m === this.minutes}>${m} minutes</option>`)}
          </select></label>
        ${this.journeyRoom ? html`<button type="button" @click=${() => this.stopJourney()}>Stop the journey</button>` : nothing}
      </div>
      ${this.steerMessage ? html`<p class="done" role="status">${this.steerMessage}</p>` : nothing}
      ${this.steerError ? html`<p class="error" role="alert">${this.steerError}</p>` : nothing}
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
          ${this.steerBar()}
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
