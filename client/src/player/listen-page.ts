import { LitElement, css, html } from 'lit';
import { customElement } from 'lit/decorators.js';
import './moodify-player.js';

/**
 * /listen/:roomId — listen to a room's music without joining it: no camera, no microphone.
 * Laid out for a big screen across the room (a TV's browser, a projector).
 */
@customElement('moodify-listen')
export class MoodifyListen extends LitElement {
  static override styles = css`
    :host { display: grid; min-height: 100vh; place-items: center; background: #111; color: #f4f4f4; font-family: system-ui, sans-serif; }
    main { width: min(90vw, 70rem); }
    h1 { font-size: clamp(20px, 2vw, 32px); font-weight: 400; opacity: 0.7; margin: 0 0 1em; }
  `;

  private readonly roomId = decodeURIComponent(location.pathname.split('/')[2] ?? '');

  override render() {
    return html`<main>
      <h1>Room ${this.roomId}</h1>
      <moodify-player room=${this.roomId} tv autoplay></moodify-player>
    </main>`;
  }
}
