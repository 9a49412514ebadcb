/**
 * The plain-word story of a room's music (CONTRACTS §1): what the `nowPlaying` live event and
 * GET /api/rooms/:roomId/now-playing carry as `story`. Types only, so the client imports them
 * with `import type` (client/src/live/, client/src/player/).
 */

export interface StoryPoint {
  valence: number;
  arousal: number;
}

/** A steered journey ("take the room to calm over 10 minutes"). Times are epoch ms. */
export interface StoryJourney {
  label: string;
  from: StoryPoint;
  to: StoryPoint;
  startedAt: number;
  endsAt: number;
  /** 1 … steps; equal to steps once the room has arrived. */
  step: number;
  steps: number;
}

export interface StoryWaiting {
  /** "The room has calmed down; something calmer comes next." */
  sentence: string;
  /** Epoch ms when the change may happen (the client counts down to it in the viewer's local time). */
  at: number;
}

export interface MusicStory {
  /** One sentence a person would say: no model numbers, no clock times. */
  sentence: string;
  /** The numbers behind it, one short line each, shown only inside a "details" disclosure. */
  details: string[];
  /** A change the room is waiting for (minimum play time of the current track), or null. */
  waiting: StoryWaiting | null;
  /** The room's steered journey, or null. */
  journey: StoryJourney | null;
}
