/**
 * The payloads of the room's live events (server/signalling/PROTOCOL.md, "Live events") that
 * the hub builds itself. Types only: the client imports them with `import type`.
 */
import type { FerLabel } from '../../vocabulary/emotions.js';
import type { MemberMoodSnapshot } from '../mood/engine.js';
import type { NowPlayingEvent } from '../music/now-playing.js';

export type { MusicStory, StoryJourney, StoryWaiting, StoryPoint } from '../../vocabulary/music-story.js';

/** 'mood': a confident group mood; 'listening': members present, no confident reading yet; 'empty': nobody in the room. */
export type RoomStatus = 'mood' | 'listening' | 'empty';

/** A member as counted in the room mood, from the same snapshot (labels only: no per-modality detail, no user id). */
export type MemberMoodView = Omit<MemberMoodSnapshot, 'userId' | 'displayName'> & { displayName: string };

/** A pinned mood (a member's override) that counts in the room mood. */
export interface PinnedMoodView {
  participantId: string;
  displayName: string;
  emotion: FerLabel;
  /** Epoch ms when it runs out (the client shows it in the viewer's local time). */
  until: number;
}

export interface RoomMoodView {
  /** Epoch ms of the snapshot. */
  t: number;
  status: RoomStatus;
  /** The group's word (the members' confidence-weighted vote); null unless status is 'mood'. */
  emotion: FerLabel | null;
  confidence: number;
  /** The group point; null unless status is 'mood'. */
  valence: number | null;
  arousal: number | null;
  /** How many members counted. */
  members: number;
  /** Of those, how many share `emotion`. */
  agreeing: number;
  /** Every counted member is "not sure yet": `emotion` is only a leaning (say "not sure yet"). */
  unsure: boolean;
  /** Everyone in the room at that instant, counted or not. */
  memberMoods: MemberMoodView[];
  /** The first pinned mood in effect (or null), and all of them. */
  override: PinnedMoodView | null;
  overrides: PinnedMoodView[];
  /** Where the music aims for this mood (strategy step or journey step); null unless status is 'mood' or no music runs. */
  target: { valence: number; arousal: number } | null;
}

export type NowPlayingView = Omit<NowPlayingEvent, 'roomId'>;
