import { css, html, LitElement } from 'lit';
import { customElement, property } from 'lit/decorators.js';

import type { RoomMoodView } from '../../../vocabulary/live-events.js';
import { moodColour, tokens } from '../design/tokens.js';

/** The room mood as the listen page receives it (null before the first). */
export type AmbientMood = RoomMoodView | null;

const FEELING: Record<string, string> = {
  happy: 'cheerful',
  sad: 'quiet and low',
  angry: 'tense',
  fear: 'uneasy',
  surprise: 'surprised',
  disgust: 'put off',
  neutral: 'calm',
};

/** The room's mood in plain words, for the TV (labels only: no numbers, no names). */
export function moodWords(mood: AmbientMood, watching: boolean): string {
  if (!watching) return '';
  if (!mood || mood.status === 'empty') return 'Nobody has joined the room with a camera or microphone yet.';
  // The word is null unless the status is 'mood'.
  if (mood.status === 'listening' || mood.emotion === null || mood.confidence < 0.2) return 'Getting a feel for the room…';
  const feeling = FEELING[mood.emotion] ?? 'calm';
  return mood.confidence >= 0.6 ? `The room feels ${feeling}.` : `The room seems ${feeling}.`;
}

/**
 * The group mood as colour and motion, behind the listen page: soft blurred shapes in the mood's
 * colour, drifting faster when the room is lively (arousal) and glowing stronger when the reading
 * is sure (confidence). Decorative (aria-hidden): the words beside it say the same.
 */
@customElement('moodify-ambient')
export class MoodifyAmbient extends LitElement {
  static override styles = [
    tokens,
    css`
      :host { position: fixed; inset: 0; z-index: 0; overflow: hidden; pointer-events: none; background: var(--md-bg); }
      .blob {
        position: absolute;
        width: 70vmax;
        height: 70vmax;
        border-radius: 50%;
        filter: blur(8vmax);
        opacity: var(--strength);
        background: var(--colour);
        animation: drift var(--period) ease-in-out infinite alternate;
        transition: background 3s ease, opacity 3s ease;
      }
      .a { left: -25vmax; top: -30vmax; }
      .b { right: -30vmax; bottom: -35vmax; animation-delay: calc(var(--period) / -2); }
      .c { left: 20vw; top: 30vh; width: 45vmax; height: 45vmax; animation-direction: alternate-reverse; background: var(--md-accent); opacity: calc(var(--strength) * 0.6); }
      @keyframes drift {
        from { transform: translate(0, 0) scale(1); }
        to { transform: translate(12vmax, 8vmax) scale(1.15); }
      }
      @media (prefers-reduced-motion: reduce) {
        .blob { animation: none; }
      }
    `,
  ];

  @property({ attribute: false }) mood: AmbientMood = null;
  /** Stronger colour (the listen page's full-screen view). */
  @property({ type: Boolean }) vivid = false;

  override render() {
    const mood = this.mood;
    // The word and the point are null unless the status is 'mood': a calm neutral glow until then.
    const known =
      mood && mood.status === 'mood' && mood.emotion !== null && mood.arousal !== null
        ? { emotion: mood.emotion, arousal: mood.arousal, confidence: mood.confidence }
        : null;
    const colour = known ? moodColour(known.emotion) : 'var(--md-mood-neutral)';
    // Lively rooms move faster: 26 s per sweep when calm, 7 s when excited.
    const arousal = known ? Math.max(-1, Math.min(1, known.arousal)) : -0.5;
    const period = `${Math.round(16.5 - arousal * 9.5)}s`;
    const base = known ? 0.3 + 0.35 * Math.max(0, Math.min(1, known.confidence)) : 0.3;
    const strength = Math.min(0.95, base * (this.vivid ? 1.5 : 1)).toFixed(2);
    return html`<div aria-hidden="true" style="--colour:${colour};--period:${period};--strength:${strength};position:absolute;inset:0">
      <div class="blob a"></div>
      <div class="blob b"></div>
      <div class="blob c"></div>
    </div>`;
  }
}
