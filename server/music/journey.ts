/**
 * A steered journey: "take the room to calm over 10 minutes". The target moves from the room's
 * mood when the journey was set to the destination in equal steps over the duration (the iso
 * principle again: a room is led, not dropped, into a new mood). Pure: times are passed in.
 */
import type { MoodPoint } from '../../vocabulary/circumplex.js';
import type { StoryJourney } from '../../vocabulary/music-story.js';

export interface Destination extends MoodPoint {
  minutes: number;
  /** What the destination is called in sentences ("calm", "focus"). */
  label: string;
}

export interface Journey {
  label: string;
  from: MoodPoint;
  to: MoodPoint;
  startedAt: number;
  endsAt: number;
  steps: number;
}

/** About one step every two minutes (a track or so), at least one and at most twelve. */
export const STEP_MINUTES = 2;
export const MAX_STEPS = 12;

export function startJourney(from: MoodPoint, destination: Destination, now: number): Journey {
  const steps = Math.max(1, Math.min(MAX_STEPS, Math.round(destination.minutes / STEP_MINUTES)));
  return {
    label: destination.label,
    from: { valence: from.valence, arousal: from.arousal },
    to: { valence: destination.valence, arousal: destination.arousal },
    startedAt: now,
    endsAt: now + destination.minutes * 60_000,
    steps,
  };
}

/** The step in effect at `now`: 1 from the start, `steps` from the last stretch on (and after arrival). */
export function journeyStep(journey: Journey, now: number): number {
  const stepMs = (journey.endsAt - journey.startedAt) / journey.steps;
  const step = Math.floor((now - journey.startedAt) / stepMs) + 1;
  return Math.max(1, Math.min(journey.steps, step));
}

/** Where the music should be at `now`: step k of n is k/n of the way from `from` to `to`. */
export function journeyTarget(journey: Journey, now: number): MoodPoint {
  const step = journeyStep(journey, now);
  if (step >= journey.steps) return { ...journey.to };
  const f = step / journey.steps;
  return {
    valence: journey.from.valence + f * (journey.to.valence - journey.from.valence),
    arousal: journey.from.arousal + f * (journey.to.arousal - journey.from.arousal),
  };
}

/** When the next step begins (epoch ms), or undefined on the last one. */
export function nextStepAt(journey: Journey, now: number): number | undefined {
  const step = journeyStep(journey, now);
  if (step >= journey.steps) return undefined;
  return journey.startedAt + (step * (journey.endsAt - journey.startedAt)) / journey.steps;
}

export function journeyView(journey: Journey, now: number): StoryJourney {
  const round = (p: MoodPoint) => ({ valence: Math.round(p.valence * 1000) / 1000, arousal: Math.round(p.arousal * 1000) / 1000 });
  return {
    label: journey.label,
    from: round(journey.from),
    to: round(journey.to),
    startedAt: journey.startedAt,
    endsAt: journey.endsAt,
    step: journeyStep(journey, now),
    steps: journey.steps,
  };
}
