import { LitElement, css, html } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import { api, saveSession, type StoredSession } from './session.js';

/** Sign up or log in. On success the session is saved and `signed-in` fires. */
@customElement('moodify-auth-form')
export class MoodifyAuthForm extends LitElement {
  static override styles = css`
    :host { display: block; }
    form { display: grid; gap: 0.75rem; max-width: 24rem; }
    label { display: grid; gap: 0.25rem; }
    .error { color: #a00; }
    [role='tablist'] { display: flex; gap: 0.5rem; margin-bottom: 1rem; }
    [aria-selected='true'] { font-weight: 700; text-decoration: underline; }
  `;

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
        ${signup
          ? html`<label>Display name <input name="displayName" autocomplete="nickname" required maxlength="60" /></label>`
          : ''}
        <label>E-mail <input name="email" type="email" autocomplete="email" required /></label>
        <label>
          Password ${signup ? html`<small>(at least 8 characters)</small>` : ''}
          <input name="password" type="password" autocomplete=${signup ? 'new-password' : 'current-password'} required minlength=${signup ? 8 : 1} />
        </label>
        <button type="submit" ?disabled=${this.busy}>${signup ? 'Create account' : 'Log in'}</button>
        ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : ''}
      </form>
    `;
  }
}
