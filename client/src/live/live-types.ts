/**
 * The live room events the server pushes over the signalling socket (/tmp contract, documented in
 * server/signalling/PROTOCOL.md): one participant's mood, the group mood, what plays, who is in.
 */
import type { FerLabel } from '../../../vocabulary/emotions.js';

export interface MoodOverrideView {
  emotion: FerLabel;
  /** ISO time the override runs out. */
  until: string;
}

export interface ParticipantMood {
  participantId: string;
  displayName: string;
  userId?: string;
  /** ms since the epoch */
  t: number;
  emotion: FerLabel;
  confidence: number;
  valence: number;
  arousal: number;
  source: 'fused' | 'override';
  /** Only on the viewer's own participants (privacy): the per-modality detail. */
  probabilities?: number[];
  face?: number[] | null;
  voice?: number[] | null;
  weights?: { face: number; voice: number };
  override?: MoodOverrideView | null;
}

export interface RoomMood {
  t: number;
  emotion: FerLabel;
  confidence: number;
  valence: number;
  arousal: number;
  members: number;
  /** CONTRACTS §2 (music-story): 'empty' nobody in, 'listening' no confident reading yet. Absent on older servers. */
  status?: 'empty' | 'listening' | 'mood';
  /** The pinned override shaping the room's mood, or null. */
  override?: RoomOverrideView | null;
  /** Each member's mood from the same fused state as the group mood (one story on the screen). */
  memberMoods?: { participantId: string; displayName: string; emotion: FerLabel; counted: boolean; unsure: boolean }[];
  /** The group reading is shaky (members disagree, low confidence). */
  unsure?: boolean;
  /** Where the music aims now, from the same instant. */
  target?: { valence: number; arousal: number } | null;
}

/** A pinned mood as the room shows it (who pinned it, to what, until when). */
export interface RoomOverrideView {
  emotion: FerLabel | string;
  /** ISO time or epoch ms. */
  until: string | number;
  displayName?: string | null;
}

/** CONTRACTS §1: the plain-word story of the music (server/music/now-playing.ts, music-story). */
export interface MusicStoryView {
  sentence: string;
  details: string[];
  waiting: { sentence: string; at: number } | null;
  journey: {
    label: string;
    from: { valence: number; arousal: number };
    to: { valence: number; arousal: number };
    startedAt: number;
    endsAt: number;
    step: number;
    steps: number;
  } | null;
}

export interface NowPlaying {
  trackId: string;
  title: string;
  artist: string | null;
  license?: string | null;
  valence: number;
  arousal: number;
  bpm?: number | null;
  key?: string | null;
  strategy: string;
  explanation: string;
  startedAt: number | string;
  story?: MusicStoryView;
}

export interface Member {
  participantId: string;
  displayName: string;
  userId?: string;
  since: number | string;
  camera?: boolean;
  mic?: boolean;
}

export interface WatchReply {
  roomId: string;
  members: Member[];
  roomMood: RoomMood | null;
  nowPlaying: NowPlaying | null;
  recent: ParticipantMood[];
}

/** Whether a mood event carries the per-modality detail (it is about the viewer's own user). */
export function isDetailed(mood: ParticipantMood): boolean {
  return Array.isArray(mood.probabilities) || mood.weights !== undefined;
}
