/** A steered journey as the room page draws and says it (moodify-journey.ts): its step points and one line of words. */
import type { StoryJourney } from '../../../vocabulary/music-story.js';

const NUMBER_WORDS = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten', 'eleven', 'twelve'];
const word = (n: number) => NUMBER_WORDS[n] ?? String(n);

/** Where step k of n sits: k/n of the way from `from` to `to` (as the server's director steps it). */
export function journeyPoints(journey: StoryJourney): { valence: number; arousal: number }[] {
  return Array.from({ length: journey.steps }, (_, i) => {
    const f = (i + 1) / journey.steps;
    return {
      valence: journey.from.valence + f * (journey.to.valence - journey.from.valence),
      arousal: journey.from.arousal + f * (journey.to.arousal - journey.from.arousal),
    };
  });
}

export function journeyLine(journey: StoryJourney, now = Date.now()): string {
  const ends = new Date(journey.endsAt).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  if (journey.step >= journey.steps && now >= journey.endsAt) return `Arrived at ${journey.label}; the music stays there.`;
  return `Step ${word(journey.step)} of ${word(journey.steps)} towards ${journey.label}, arriving about ${ends}.`;
}
