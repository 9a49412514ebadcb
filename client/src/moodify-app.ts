import './dashboard/moodify-dashboard.js';
import './design/moodify-header.js';

import { css, html, LitElement, nothing } from 'lit';
import { customElement, state } from 'lit/decorators.js';

import { loadSession, type SessionUser, type StoredSession } from './dashboard/session.js';
import { applyDocumentTokens, base, tokens } from './design/tokens.js';

/**
 * The application shell at /: what Moodify is and its privacy promise on the first screen, then
 * the dashboard (sign-in, rooms, settings, history). Server diagnostics stay at /readyz.
 */
@customElement('moodify-app')
export class MoodifyApp extends LitElement {
  static override styles = [
    tokens,
    base,
    css`
      :host { display: block; min-height: 100vh; background: var(--md-bg); }
      main { max-width: var(--md-page-width); margin: 0 auto; padding: var(--md-space-5) var(--md-space-4) var(--md-space-8); }
      .hero { display: grid; gap: var(--md-space-3); padding: var(--md-space-5) 0 var(--md-space-6); max-width: 44rem; }
      .hero h1 { font-size: var(--md-text-3xl); letter-spacing: -0.03em; margin: 0; }
      .hero .lead { font-size: var(--md-text-l); margin: 0; }
      .promise { display: flex; gap: var(--md-space-2); align-items: start; color: var(--md-text-muted); margin: 0; }
      .promise svg { flex: none; margin-top: 0.2em; color: var(--md-success); }
    `,
  ];

  @state() private user: SessionUser | undefined = loadSession()?.user;
  private readonly onSession = (e: Event) => (this.user = (e as CustomEvent<StoredSession | undefined>).detail?.user);

  override connectedCallback(): void {
    super.connectedCallback();
    applyDocumentTokens();
    window.addEventListener('moodify-session', this.onSession);
  }

  override disconnectedCallback(): void {
    window.removeEventListener('moodify-session', this.onSession);
    super.disconnectedCallback();
  }

  override render() {
    return html`
      <moodify-header></moodify-header>
      <main>
        ${
          this.user
            ? nothing
            : html`<section class="hero" aria-labelledby="hero-title">
              <h1 id="hero-title">Music that reads the room.</h1>
              <p class="lead">Moodify senses how the people in a room feel, from faces and voices, and plays music that fits, on every device in the room at once.</p>
              <p class="promise">
                <svg width="18" height="18" viewBox="0 0 24 24" aria-hidden="true"><path fill="currentColor" d="M12 1 3 5v6c0 5.6 3.8 10.7 9 12 5.2-1.3 9-6.4 9-12V5l-9-4Zm-1.4 15.4-4-4 1.4-1.4 2.6 2.6 5.6-5.6 1.4 1.4-7 7Z"/></svg>
                <span>Your camera and microphone are analysed in memory and never recorded. Only mood estimates are kept, and you can delete them at any time.</span>
              </p>
            </section>`
        }
        <moodify-dashboard></moodify-dashboard>
      </main>
    `;
  }
}
