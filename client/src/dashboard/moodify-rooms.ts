import { LitElement, css, html } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { api } from './session.js';

export interface RoomSummary {
  id: string;
  name: string;
  slug: string;
  role: 'owner' | 'member' | 'guest';
  closedAt: string | null;
}

/**
 * The user's rooms: create one, enter one (fires `enter-room` with the room), watch one without
 * sending media (fires `watch-room`), and for owners
 * make an invite link or close the room.
 */
@customElement('moodify-rooms')
export class MoodifyRooms extends LitElement {
  static override styles = css`
    :host { display: block; }
    form { display: flex; gap: 0.5rem; align-items: end; flex-wrap: wrap; }
    label { display: grid; gap: 0.25rem; }
    ul { padding-left: 1.2rem; }
    li { margin: 0.4rem 0; }
    .error { color: #a00; }
    output { display: block; word-break: break-all; font-family: monospace; }
  `;

  /** Guests may enter the rooms they were invited to but not create rooms. */
  @property({ type: Boolean }) guest = false;
  @state() private rooms: RoomSummary[] = [];
  @state() private error = '';
  @state() private inviteUrl = '';

  override connectedCallback(): void {
    super.connectedCallback();
    void this.load();
  }

  private async load(): Promise<void> {
    try {
      this.rooms = await api<RoomSummary[]>('GET', '/api/rooms');
    } catch (err) {
      this.error = (err as Error).message;
    }
  }

  private async create(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    const form = event.target as HTMLFormElement;
    const name = String(new FormData(form).get('name') ?? '');
    try {
      const room = await api<RoomSummary>('POST', '/api/rooms', { name });
      form.reset();
      await this.load();
      this.enter(room);
    } catch (err) {
      this.error = (err as Error).message;
    }
  }

  private watch(room: RoomSummary): void {
    this.dispatchEvent(new CustomEvent('watch-room', { detail: room, bubbles: true, composed: true }));
  }

  private enter(room: RoomSummary): void {
    this.dispatchEvent(new CustomEvent('enter-room', { detail: room, bubbles: true, composed: true }));
  }

  private async invite(room: RoomSummary): Promise<void> {
    try {
      const invite = await api<{ url: string }>('POST', `/api/rooms/${room.id}/invites`, {});
      this.inviteUrl = new URL(invite.url, location.origin).toString();
    } catch (err) {
      this.error = (err as Error).message;
    }
  }

  private async close(room: RoomSummary): Promise<void> {
    if (!confirm(`Close "${room.name}"? Nobody can join it afterwards.`)) return;
    await api('POST', `/api/rooms/${room.id}/close`).catch((err: Error) => (this.error = err.message));
    await this.load();
  }

  override render() {
    return html`
      ${this.guest
        ? ''
        : html`<form @submit=${(e: SubmitEvent) => void this.create(e)} aria-label="Create a room">
            <label>Room name <input name="name" required maxlength="80" /></label>
            <button type="submit">Create room</button>
          </form>`}
      ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : ''}
      ${this.inviteUrl ? html`<p>Invite link (share it with the people you want in the room): <output aria-label="Invite link">${this.inviteUrl}</output></p>` : ''}
      <ul aria-label="Your rooms">
        ${this.rooms.map(
          (room) => html`<li>
            <strong>${room.name}</strong> (${room.role}${room.closedAt ? ', closed' : ''})
            ${room.closedAt
              ? ''
              : html`<button type="button" @click=${() => this.enter(room)} aria-label=${`Enter ${room.name}`}>Enter</button>
                  <button type="button" @click=${() => this.watch(room)} aria-label=${`Watch ${room.name} live`}>Watch live</button>`}
            ${room.role === 'owner' && !room.closedAt
              ? html`<button type="button" @click=${() => void this.invite(room)} aria-label=${`Invite to ${room.name}`}>Invite</button>
                  <button type="button" @click=${() => void this.close(room)} aria-label=${`Close ${room.name}`}>Close</button>`
              : ''}
          </li>`,
        )}
      </ul>
    `;
  }
}
