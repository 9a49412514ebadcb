/**
 * What GET /api/me/history and GET /api/rooms/:roomId/history answer (server/accounts/history-queries.ts
 * builds it; the dashboard's history view renders it). Types only.
 */

export type Bucket = 'day' | 'week';

export interface HistoryReply {
  since: string;
  bucket: Bucket;
  buckets: { start: string; samples: number; moods: Record<string, number>; valence: number; arousal: number }[];
  path: { at: string; valence: number; arousal: number }[];
  plays: {
    trackId: string;
    title: string;
    artist: string | null;
    startedAt: string;
    sessionKey: string;
    strategy: string;
    explanation: string;
    feedback: string[];
  }[];
  feedback: { like: number; skip: number; dislike: number };
  /** Tracks the user liked / skipped (or disliked), latest first, each once. */
  liked: FeedbackTrack[];
  skipped: FeedbackTrack[];
}

export interface FeedbackTrack {
  trackId: string;
  title: string;
  artist: string | null;
  /** The latest time the user gave this feedback on the track. */
  at: string;
  kinds: string[];
}

export type HistoryBucket = HistoryReply['buckets'][number];
export type HistoryPlay = HistoryReply['plays'][number];
