/** What GET /api/me/history answers (server/routes/history-queries.ts). */
export interface HistoryBucket {
  start: string;
  samples: number;
  moods: Record<string, number>;
  valence: number;
  arousal: number;
}

export interface HistoryPlay {
  trackId: string;
  title: string;
  artist: string | null;
  startedAt: string;
  sessionKey: string;
  strategy: string;
  explanation: string;
  feedback: string[];
}

export interface FeedbackTrack {
  trackId: string;
  title: string;
  artist: string | null;
  at: string;
  kinds: string[];
}

export interface HistoryReply {
  since: string;
  bucket: 'day' | 'week';
  buckets: HistoryBucket[];
  path: { at: string; valence: number; arousal: number }[];
  plays: HistoryPlay[];
  feedback: { like: number; skip: number; dislike: number };
  liked: FeedbackTrack[];
  skipped: FeedbackTrack[];
}
