import { css, html, LitElement } from 'lit';
import { customElement, state } from 'lit/decorators.js';

import { base, tokens } from '../design/tokens.js';
import { api, saveSession, type StoredSession } from './session.js';

/** Sign up or log in. On success the session is saved and `signed-in` fires. */
@customElement('moodify-auth-form')
export class MoodifyAuthForm extends LitElement {
  static override styles = [
    tokens,
    base,
    css`
    :host { display: block; }
    form { display: grid; gap: var(--md-space-4); }
    label { display: grid; gap: var(--md-space-1); font-weight: 600; font-size: var(--md-text-s); }
    label small { font-weight: 400; color: var(--md-text-muted); }
    [role='tablist'] { display: flex; gap: var(--md-space-1); margin-bottom: var(--md-space-5); background: var(--md-surface-2); border-radius: var(--md-radius-pill); padding: var(--md-space-1); }
    [role='tab'] { flex: 1; border: none; background: transparent; }
    [role='tab'][aria-selected='true'] { background: var(--md-surface); box-shadow: var(--md-shadow); }
    button[type='submit'] { width: 100%; }
  `,
  ];

  @state() private mode: 'signup' | 'login' = 'signup';
  @state() private error = '';
  @state() private busy = false;

  private async submit(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    const data = new FormData(event.target as HTMLFormElement);
    const body: Record<string, string> = { email: String(data.get('email') ?? ''), password: String(data.get('password') ?? '') };
    if (this.mode === 'signup') body.displayName = String(data.get('displayName') ?? '');
    this.busy = true;
    this.error = '';
    try {
      const session = await api<StoredSession>('POST', `/api/auth/${this.mode}`, body);
      saveSession({ user: session.user, accessToken: session.accessToken, refreshToken: session.refreshToken });
      this.dispatchEvent(new CustomEvent('signed-in', { detail: session.user, bubbles: true, composed: true }));
    } catch (err) {
      this.error = (err as Error).message;
    } finally {
      this.busy = false;
    }
  }

  override render() {
    const signup = this.mode === 'signup';
    return html`
      <div role="tablist" aria-label="Account">
        <button type="button" role="tab" aria-selected=${String(signup)} @click=${() => (this.mode = 'signup')}>Sign up</button>
        <button type="button" role="tab" aria-selected=${String(!signup)} @click=${() => (this.mode = 'login')}>Log in</button>
      </div>
      <form @submit=${(e: SubmitEvent) => void this.submit(e)} aria-label=${signup ? 'Sign up' : 'Log in'}>
        ${signup ? html`<label>Display name <input name="displayName" autocomplete="nickname" required maxlength="60" /></label>` : ''}
        <label>E-mail <input name="email" type="email" autocomplete="email" required /></label>
        <label>
          Password ${signup ? html`<small>(at least 8 characters)</small>` : ''}
          <input name="password" type="password" autocomplete=${signup ? 'new-password' : 'current-password'} required minlength=${signup ? 8 : 1} />
        </label>
        <button class="primary" type="submit" ?disabled=${this.busy}>${signup ? 'Create account' : 'Log in'}</button>
        ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : ''}
      </form>
    `;
  }
}
