/**
 * `<moodify-mood-settings>`: how the music treats the user's mood. Strategy (match / lift /
 * calm) and a manual mood override that pins an emotion for N minutes, both stored with
 * PUT /api/me/settings; the active override shows with its expiry and can be cleared. The
 * server applies a change at once (the next pick's explanation names the override).
 */
import { css, html, LitElement, nothing } from 'lit';
import { customElement, state } from 'lit/decorators.js';

import { FER_LABELS } from '../../../vocabulary/emotions.js';
import { api } from '../dashboard/session.js';
import { base, tokens } from '../design/tokens.js';

export const STRATEGY_TEXT = {
  match: 'Match: music that fits how you feel',
  lift: 'Lift: music a little brighter than your mood',
  calm: 'Calm: music that settles the room',
} as const;
type Strategy = keyof typeof STRATEGY_TEXT;

interface Settings {
  strategy: Strategy;
  moodOverride: { emotion: string; until: string } | null;
  consentedAt: string | null;
}

@customElement('moodify-mood-settings')
export class MoodifyMoodSettings extends LitElement {
  static override styles = [
    tokens,
    base,
    css`
    :host { display: block; }
    fieldset { border: 1px solid var(--md-border); border-radius: 6px; margin: 0 0 1rem; padding: 0.5rem 1rem 1rem; }
    legend { font-weight: 600; }
    .row { display: flex; flex-wrap: wrap; gap: 0.75rem; align-items: end; }
    label.stack { display: grid; gap: 0.25rem; }
    .radio { display: block; margin: 0.25rem 0; }
    input[type='number'] { width: 5rem; }
    .error { color: var(--md-danger); }
  `,
  ];

  @state() private settings: Settings | undefined;
  @state() private error = '';
  @state() private message = '';
  private expiryTimer: number | undefined;

  override connectedCallback(): void {
    super.connectedCallback();
    void this.load();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    clearTimeout(this.expiryTimer);
  }

  private async load(): Promise<void> {
    try {
      this.show(await api<Settings>('GET', '/api/me/settings'));
    } catch (err) {
      this.error = (err as Error).message;
    }
  }

  private show(settings: Settings): void {
    this.settings = settings;
    this.error = '';
    // The override runs out on the server by itself; reload then so the page says so too.
    clearTimeout(this.expiryTimer);
    if (settings.moodOverride) {
      const left = new Date(settings.moodOverride.until).getTime() - Date.now();
      this.expiryTimer = window.setTimeout(() => void this.load(), Math.min(Math.max(left + 500, 1000), 2 ** 31 - 1));
    }
    this.dispatchEvent(new CustomEvent('settings-changed', { detail: settings, bubbles: true, composed: true }));
  }

  private async save(body: Record<string, unknown>, done: string): Promise<void> {
    try {
      this.show(await api<Settings>('PUT', '/api/me/settings', body));
      this.message = done;
    } catch (err) {
      this.error = (err as Error).message;
      this.message = '';
    }
  }

  private pin(event: SubmitEvent): void {
    event.preventDefault();
    const form = new FormData(event.target as HTMLFormElement);
    const emotion = String(form.get('emotion'));
    const minutes = Number(form.get('minutes'));
    void this.save({ moodOverride: { emotion, minutes } }, `Your mood is pinned to ${emotion} for ${minutes} minutes.`);
  }

  override render() {
    const s = this.settings;
    if (!s) return html`${this.error ? html`<p class="error" role="alert">${this.error}</p>` : html`<p>Loading your settings…</p>`}`;
    const override = s.moodOverride;
    return html`
      <fieldset>
        <legend>How the music treats your mood</legend>
        ${(Object.keys(STRATEGY_TEXT) as Strategy[]).map(
          (key) => html`<label class="radio">
            <input type="radio" name="strategy" value=${key} .checked=${s.strategy === key}
              @change=${() => void this.save({ strategy: key }, `Strategy set to ${key}.`)} />
            ${STRATEGY_TEXT[key]}
          </label>`,
        )}
      </fieldset>
      <fieldset>
        <legend>Mood override</legend>
        <p data-override=${override ? override.emotion : ''}>
          ${
            override
              ? html`Your mood is pinned to <strong>${override.emotion}</strong> until
                <time datetime=${override.until}>${new Date(override.until).toLocaleTimeString()}</time>; the camera and microphone do not change it until then.`
              : 'No override: your mood is read from your face and voice.'
          }
        </p>
        <form class="row" aria-label="Pin a mood" @submit=${(e: SubmitEvent) => this.pin(e)}>
          <label class="stack">Mood
            <select name="emotion">${FER_LABELS.map((l) => html`<option value=${l} ?selected=${l === (override?.emotion ?? 'neutral')}>${l}</option>`)}</select>
          </label>
          <label class="stack">Minutes <input name="minutes" type="number" min="1" max="240" value="15" required /></label>
          <button type="submit">Pin mood</button>
          ${override ? html`<button type="button" @click=${() => void this.save({ moodOverride: null }, 'Override cleared: your mood is read again.')}>Clear override</button>` : nothing}
        </form>
      </fieldset>
      <p role="status">${this.message}</p>
      ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : nothing}
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'moodify-mood-settings': MoodifyMoodSettings;
  }
}
