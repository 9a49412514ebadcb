/**
 * `<moodify-now-playing>`: the track the room hears and why, in one sentence a person would say;
 * a change the room waits for with a live countdown in the viewer's local time; a steered
 * journey's progress; the numbers behind it all only inside a "details" disclosure.
 */
import { css, html, LitElement, nothing, type PropertyValues } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';

import type { NowPlayingView, RoomMoodView } from '../../../vocabulary/live-events.js';
import { base, tokens } from '../design/tokens.js';
import { countdown, storyDetails, storySentence } from './story.js';

@customElement('moodify-now-playing')
export class MoodifyNowPlaying extends LitElement {
  static override styles = [
    tokens,
    base,
    css`
      :host { display: block; }
      .title { font-size: var(--md-text-l); font-weight: 700; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
      .artist { color: var(--md-text-muted); overflow: hidden; text-overflow: ellipsis; white-space: nowrap; margin-bottom: var(--md-space-2); }
      .why { font-size: var(--md-text-m); margin: 0 0 var(--md-space-3); }
      .waiting { display: flex; gap: var(--md-space-2); align-items: baseline; flex-wrap: wrap; background: var(--md-accent-soft); border-radius: var(--md-radius-s); padding: var(--md-space-2) var(--md-space-3); margin: 0 0 var(--md-space-3); }
      .waiting time { font-weight: 700; font-variant-numeric: tabular-nums; }
      .journey { margin: 0 0 var(--md-space-3); }
      progress { width: 100%; accent-color: var(--md-accent); }
      ul { margin: var(--md-space-2) 0 0; padding-left: var(--md-space-5); font-size: var(--md-text-s); color: var(--md-text-muted); overflow-wrap: anywhere; }
    `,
  ];

  @property({ attribute: false }) track: NowPlayingView | null = null;
  /** The room's mood, for the sentence where the server sent no story yet. */
  @property({ attribute: false }) mood: RoomMoodView | null = null;
  /** Leave out the title and artist (the page's player shows them already). */
  @property({ type: Boolean, attribute: 'why-only' }) whyOnly = false;
  @state() private now = Date.now();
  /** The details list is rendered only while open, so the page's text holds no numbers otherwise. */
  @state() private detailsOpen = false;
  private timer: number | undefined;

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    clearInterval(this.timer);
    this.timer = undefined;
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    // Tick once a second only while a countdown shows.
    if (!changed.has('track')) return;
    const waiting = this.track?.story?.waiting;
    if (waiting && this.timer === undefined) this.timer = window.setInterval(() => (this.now = Date.now()), 1000);
    if (!waiting && this.timer !== undefined) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  override render() {
    const t = this.track;
    if (!t) return html`<p class="muted">Nothing is playing yet. The first track starts once the room has been heard for a moment.</p>`;
    const story = t.story;
    const journey = story?.journey;
    return html`<div aria-live="polite">
      ${
        this.whyOnly
          ? nothing
          : html`<div class="title" title=${t.title}>${t.title}</div>${t.artist ? html`<div class="artist">${t.artist}</div>` : nothing}`
      }
      <p class="why">${storySentence(t, this.mood)}</p>
      ${
        story?.waiting
          ? html`<p class="waiting" data-waiting>
            <span>${story.waiting.sentence}</span>
            <time datetime=${new Date(story.waiting.at).toISOString()}>${countdown(story.waiting.at, this.now)}</time>
          </p>`
          : nothing
      }
      ${
        journey
          ? html`<div class="journey">
            <p class="small">${journey.label} (step ${journey.step} of ${journey.steps})</p>
            <progress max=${journey.steps} .value=${journey.step} aria-label="Journey progress"></progress>
          </div>`
          : nothing
      }
      <details @toggle=${(e: Event) => (this.detailsOpen = (e.target as HTMLDetailsElement).open)}>
        <summary>Details</summary>
        ${this.detailsOpen ? html`<ul>${storyDetails(t).map((line) => html`<li>${line}</li>`)}</ul>` : nothing}
      </details>
    </div>`;
  }
}
