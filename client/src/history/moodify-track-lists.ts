/** `<moodify-track-lists>`: the tracks played (with why and the user's feedback), liked and skipped. */
import { css, html, LitElement, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';

import type { FeedbackTrack, HistoryPlay } from '../../../vocabulary/history.js';
import { base, tokens } from '../design/tokens.js';
import { plainExplanation } from '../live/story.js';

const when = (iso: string) =>
  new Date(iso).toLocaleString(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });

@customElement('moodify-track-lists')
export class MoodifyTrackLists extends LitElement {
  static override styles = [
    tokens,
    base,
    css`
    :host { display: block; }
    .lists { display: grid; gap: 1rem; grid-template-columns: repeat(auto-fit, minmax(15rem, 1fr)); }
    h4 { margin: 0.5rem 0 0.25rem; }
    ol, ul { margin: 0; padding-left: 1.2rem; }
    li { margin: 0.3rem 0; }
    .why { display: block; color: var(--md-text-muted); font-size: 0.9em; }
    time { color: var(--md-text-muted); font-size: 0.9em; }
  `,
  ];

  @property({ attribute: false }) plays: readonly HistoryPlay[] = [];
  @property({ attribute: false }) liked: readonly FeedbackTrack[] = [];
  @property({ attribute: false }) skipped: readonly FeedbackTrack[] = [];

  private feedbackList(title: string, id: string, tracks: readonly FeedbackTrack[]) {
    return html`<section aria-labelledby=${id}>
      <h4 id=${id}>${title} (${tracks.length})</h4>
      ${
        tracks.length === 0
          ? html`<p>None.</p>`
          : html`<ul>${tracks.map((t) => html`<li data-track=${t.trackId}>${t.title}${t.artist ? ` · ${t.artist}` : ''} <time datetime=${t.at}>${when(t.at)}</time></li>`)}</ul>`
      }
    </section>`;
  }

  override render() {
    return html`<div class="lists">
      <section aria-labelledby="played">
        <h4 id="played">Played (${this.plays.length})</h4>
        ${
          this.plays.length === 0
            ? html`<p>None.</p>`
            : html`<ol>
              ${this.plays.map(
                (p) => html`<li data-track=${p.trackId}>
                  ${p.title}${p.artist ? ` · ${p.artist}` : ''} <time datetime=${p.startedAt}>${when(p.startedAt)}</time>
                  ${p.feedback.length ? html`<strong>(${p.feedback.join(', ')})</strong>` : nothing}
                  <span class="why">${plainExplanation(p.explanation, p.strategy)}</span>
                </li>`,
              )}
            </ol>`
        }
      </section>
      ${this.feedbackList('Liked', 'liked', this.liked)} ${this.feedbackList('Skipped or disliked', 'skipped', this.skipped)}
    </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'moodify-track-lists': MoodifyTrackLists;
  }
}
