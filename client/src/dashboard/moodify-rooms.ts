import './moodify-invite.js';

import { css, html, LitElement } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';

import { base, tokens } from '../design/tokens.js';
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
  static override styles = [
    tokens,
    base,
    css`
    :host { display: block; }
    form { display: flex; gap: var(--md-space-3); align-items: end; flex-wrap: wrap; margin-bottom: var(--md-space-4); }
    label { display: grid; gap: var(--md-space-1); font-weight: 600; font-size: var(--md-text-s); flex: 1 1 14rem; max-width: 24rem; }
    ul { list-style: none; padding: 0; margin: 0; display: grid; gap: var(--md-space-2); }
    li { border: 1px solid var(--md-border); border-radius: var(--md-radius-m); padding: var(--md-space-3) var(--md-space-4); display: grid; gap: var(--md-space-3); }
    .row { display: flex; gap: var(--md-space-3); align-items: center; flex-wrap: wrap; }
    .name { font-weight: 700; flex: 1 1 10rem; min-width: 0; overflow-wrap: anywhere; }
    .role { font-size: var(--md-text-xs); font-weight: 700; text-transform: uppercase; letter-spacing: 0.06em; color: var(--md-text-muted); background: var(--md-surface-2); border-radius: var(--md-radius-pill); padding: 0.1rem 0.6rem; margin-left: var(--md-space-2); }
    .buttons { display: flex; gap: var(--md-space-2); flex-wrap: wrap; }
    .empty { color: var(--md-text-muted); }
  `,
  ];

  /** Guests may enter the rooms they were invited to but not create rooms. */
  @property({ type: Boolean }) guest = false;
  @state() private rooms: RoomSummary[] = [];
  @state() private error = '';
  /** The room whose invite panel is open. */
  @state() private inviting = '';

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

  private invite(room: RoomSummary): void {
    this.inviting = this.inviting === room.id ? '' : room.id;
  }

  private async close(room: RoomSummary): Promise<void> {
    if (!confirm(`Close "${room.name}"? Nobody can join it afterwards.`)) return;
    await api('POST', `/api/rooms/${room.id}/close`).catch((err: Error) => (this.error = err.message));
    await this.load();
  }

  override render() {
    return html`
      ${
        this.guest
          ? ''
          : html`<form @submit=${(e: SubmitEvent) => void this.create(e)} aria-label="Create a room">
            <label>Room name <input name="name" required maxlength="80" placeholder="Living room" /></label>
            <button class="primary" type="submit">Create room</button>
          </form>`
      }
      ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : ''}
      ${this.rooms.length === 0 ? html`<p class="empty">No rooms yet. ${this.guest ? 'Open an invite link to join one.' : 'Create one above, then invite the people you listen with.'}</p>` : ''}
      <ul aria-label="Your rooms">
        ${this.rooms.map(
          (room) => html`<li>
            <div class="row">
              <span class="name">${room.name}<span class="role">${room.role}${room.closedAt ? ' · closed' : ''}</span></span>
              <span class="buttons">
                ${
                  room.closedAt
                    ? ''
                    : html`<button class="primary" type="button" @click=${() => this.enter(room)} aria-label=${`Enter ${room.name}`}>Enter</button>
                      <button type="button" @click=${() => this.watch(room)} aria-label=${`Watch ${room.name} live`}>Watch live</button>`
                }
                ${
                  room.role === 'owner' && !room.closedAt
                    ? html`<button type="button" aria-expanded=${String(this.inviting === room.id)} @click=${() => this.invite(room)} aria-label=${`Invite to ${room.name}`}>Invite</button>
                      <button type="button" class="danger" @click=${() => void this.close(room)} aria-label=${`Close ${room.name}`}>Close</button>`
                    : ''
                }
              </span>
            </div>
            ${this.inviting === room.id ? html`<moodify-invite room=${room.id} room-name=${room.name}></moodify-invite>` : ''}
          </li>`,
        )}
      </ul>
    `;
  }
}
