/**
 * The payloads of a room's live events and the `watch` reply (server/signalling/PROTOCOL.md,
 * "Live events"), as the server's live hub builds them and the client renders them. Types only:
 * the client imports them with `import type`, so nothing here reaches its bundle.
 */
import type { FerLabel } from './emotions.js';
import type { MusicStory } from './music-story.js';

export type { MusicStory, StoryJourney, StoryPoint, StoryWaiting } from './music-story.js';

/** 'mood': a confident group mood; 'listening': members present, no confident reading yet; 'empty': nobody in the room. */
export type RoomStatus = 'mood' | 'listening' | 'empty';

/** A user's pinned mood as their own participants' events carry it. */
export interface MoodOverrideView {
  emotion: FerLabel;
  /** ISO time the override runs out. */
  until: string;
}

/**
 * `participantMood`: one participant's mood. The label fields go to every socket of the room
 * (userId only to signed-in ones); the per-modality detail only to the participant's own user.
 */
export interface ParticipantMoodView {
  participantId: string;
  displayName: string;
  userId?: string;
  /** Epoch ms of the reading. */
  t: number;
  emotion: FerLabel;
  confidence: number;
  valence: number;
  arousal: number;
  source: 'fused' | 'override';
  /** Detail (the viewer's own participants only): what fusion sensed, over FER_LABELS, also while an override pins the label. */
  probabilities?: number[];
  face?: number[] | null;
  voice?: number[] | null;
  weights?: { face: number; voice: number };
  override?: MoodOverrideView | null;
}

/** A member as counted in the room mood, from the same snapshot (labels only: no per-modality detail, no user id). */
export interface MemberMoodView {
  participantId: string;
  displayName: string;
  emotion: FerLabel;
  /** The confidence the group mood used (decayed while nothing is seen or heard). */
  confidence: number;
  valence: number;
  arousal: number;
  source: 'fused' | 'override';
  /** Whether the member was confident enough to count in the group mood. */
  counted: boolean;
  /** Fusion is "not sure yet" about this member; never under an override. */
  unsure: boolean;
}

/** A pinned mood (a member's override) that counts in the room mood. */
export interface PinnedMoodView {
  participantId: string;
  displayName: string;
  emotion: FerLabel;
  /** Epoch ms when it runs out (the client shows it in the viewer's local time). */
  until: number;
}

/** `roomMood`: the group mood, every member's mood, the pinned overrides and the music's target, of one instant. */
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

/** `nowPlaying`: what the room hears, and why. */
export interface NowPlayingView {
  trackId: string;
  title: string;
  artist: string | null;
  license?: string | null;
  /** The track's point; null when the track was never analysed. */
  valence: number | null;
  arousal: number | null;
  bpm: number | null;
  key: string | null;
  strategy: string;
  /** The old one-line explanation with model numbers (compatibility); clients render `story`. */
  explanation: string;
  /** Why it plays, in plain words, with the numbers behind a disclosure, what the room waits for and its journey. */
  story: MusicStory;
  /** Epoch ms when its first sample is heard (the playlist's program-date clock). */
  startedAt: number;
}

/** `presence`: who is in the room; userId only for a signed-in viewer. */
export interface MemberView {
  participantId: string;
  displayName: string;
  userId?: string;
  /** Epoch ms the participant joined. */
  since: number;
  camera: boolean;
  mic: boolean;
}

/** The reply to `watch`: the room as it is now, then its live events follow. */
export interface WatchReply {
  roomId: string;
  members: MemberView[];
  roomMood: RoomMoodView;
  nowPlaying: NowPlayingView | null;
  /** The viewer's own detailed samples of the last minutes, oldest first. */
  recent: ParticipantMoodView[];
}
