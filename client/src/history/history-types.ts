/**
 * What GET /api/me/history answers: the server's own types (server/accounts/history-queries.ts),
 * imported as types only, so nothing of the server is bundled.
 */
import type { FeedbackTrack, History } from '../../../server/accounts/history-queries.js';

export type { FeedbackTrack };
export type HistoryReply = History;
export type HistoryBucket = History['buckets'][number];
export type HistoryPlay = History['plays'][number];
