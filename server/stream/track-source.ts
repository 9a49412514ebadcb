/**
 * What the stream engine needs from whoever chooses the music: the next track for a room.
 * The recommender (server/music/) implements it; tests and benches play a fixed list
 * (PlaylistTrackSource, test/stream/fixtures.ts).
 */

/** One pick: a playable file plus what the listener is told about it. */
export interface PlannedTrack {
  trackId: string;
  filePath: string;
  title: string;
  artist?: string | null;
  durationS: number;
  /** Integrated EBU R128 loudness of the file; null when unknown (no gain is applied then). */
  loudnessLufs: number | null;
  valence?: number;
  arousal?: number;
  bpm?: number;
  key?: string;
  /** Why this track was picked, in words a listener understands. */
  explanation: string;
}

/**
 * Why the engine asks for a track: 'start' (the stream opens), 'next' (the current one ends),
 * 'mood' (the room's mood changed persistently), 'skip' (a listener skipped).
 */
export type SwitchReason = 'start' | 'next' | 'mood' | 'skip';

export interface TrackSource {
  next(roomId: string, reason: SwitchReason): Promise<PlannedTrack>;
}
