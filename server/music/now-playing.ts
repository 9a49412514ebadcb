/**
 * What the room hears, for the live dashboard: the music plugin joins the stream's
 * `trackStarted` (what became audible, and when) with its own pick (strategy, licence) and
 * publishes a `nowPlaying` event on the bus. Consumers (server/live/) need no import of the
 * stream or the recommender.
 */
import type { NowPlayingView } from '../../vocabulary/live-events.js';
import type { MusicStory } from '../../vocabulary/music-story.js';
import type { NextTrack } from './director.js';

/** A room's `nowPlaying` live event: the payload its sockets get, and the room it is about. */
export interface NowPlayingEvent extends NowPlayingView {
  roomId: string;
}

export interface TrackPickedEvent {
  roomId: string;
  trackId: string;
  valence: number;
  arousal: number;
  reason: 'start' | 'next' | 'mood' | 'skip';
  explanation: string;
  /** Epoch ms. */
  at: number;
}

declare module '../events.js' {
  interface MoodifyEvents {
    /** Music (server/music/): a pick became audible in a room's stream, with why it was picked;
     *  again for the same track (same trackId and startedAt) when its story changes. */
    nowPlaying: [NowPlayingEvent];
    /** Music: the recommender chose the room's next track (it becomes audible later, as nowPlaying). */
    trackPicked: [TrackPickedEvent];
  }
}

/** The stream's public view of a track, as trackStarted carries it. */
export interface StartedTrack {
  trackId: string;
  title: string;
  artist: string | null;
  explanation: string;
  valence: number | null;
  arousal: number | null;
  bpm: number | null;
  key: string | null;
}

export function nowPlayingEvent(
  roomId: string,
  track: StartedTrack,
  startedAt: number,
  pick: NextTrack | undefined,
  strategy: string,
  story: MusicStory,
): NowPlayingEvent {
  return {
    roomId,
    trackId: track.trackId,
    title: track.title,
    artist: track.artist,
    ...(pick?.license !== undefined ? { license: pick.license } : {}),
    valence: track.valence,
    arousal: track.arousal,
    bpm: track.bpm,
    key: track.key,
    strategy: pick?.strategy ?? strategy,
    explanation: track.explanation,
    story,
    startedAt,
  };
}
