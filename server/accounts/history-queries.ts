/**
 * History for the dashboard: mood distribution and mean valence/arousal per day or week, the
 * valence/arousal path (per-minute means), tracks played, and the tracks liked and skipped. Read either for one
 * user (their own samples and feedback, plays in their rooms) or for one room (all members'
 * samples pooled, so no member's individual readings are shown to the others).
 */
import { type SQL, sql } from 'drizzle-orm';

import type { Bucket, FeedbackTrack, HistoryReply } from '../../vocabulary/history.js';
import type { Db } from '../database.js';
import { rowsOf } from './db-rows.js';

export interface HistoryScope {
  /** Filters emotion_samples. */
  samples: SQL;
  /** play session keys ("room:<id>", "listener:<id>") that count. */
  playSessions: string[];
  /** Filters feedback; omitted for room history (feedback is personal). */
  feedbackUserId?: string;
  /**
   * Room history: a time bucket (day/week, or a minute of the path) is shown only when at least
   * this many people were sensed in it, so a pooled figure is never one member's own readings.
   */
  minPeople?: number;
}

/** People who must have been sensed in a bucket of a room's history before it is shown to members. */
export const ROOM_HISTORY_MIN_PEOPLE = 2;

/**
 * The keys a user's feedback is stored under: their id (director, API) and `user:<id>` (the
 * stream's skip/like routes key a signed-in listener that way).
 */
function feedbackKeys(userId: string): SQL {
  return sql`(${userId}, ${`user:${userId}`})`;
}

const iso = (v: unknown) => new Date(v as string).toISOString();

export async function readHistory(db: Db, scope: HistoryScope, options: { days: number; bucket: Bucket }): Promise<HistoryReply> {
  const since = new Date(Date.now() - options.days * 86_400_000);
  const sinceSql = sql`${since.toISOString()}::timestamptz`;

  const min = scope.minPeople ?? 1;
  const pooledBuckets =
    min > 1
      ? sql`and date_trunc(${options.bucket}, at) in (select date_trunc(${options.bucket}, at) from emotion_samples
              where ${scope.samples} and at >= ${sinceSql} group by 1 having count(distinct user_id) >= ${min})`
      : sql``;
  const moodRows = rowsOf<{ start: string; emotion: string; n: number; valence: number; arousal: number }>(
    await db.execute(sql`
      select date_trunc(${options.bucket}, at) as start, emotion, count(*)::int as n,
             sum(valence)::float8 as valence, sum(arousal)::float8 as arousal
      from emotion_samples where ${scope.samples} and at >= ${sinceSql} ${pooledBuckets}
      group by 1, 2 order by 1`),
  );
  const byStart = new Map<string, HistoryReply['buckets'][number]>();
  for (const row of moodRows) {
    const start = iso(row.start);
    const bucket = byStart.get(start) ?? { start, samples: 0, moods: {}, valence: 0, arousal: 0 };
    bucket.samples += row.n;
    bucket.moods[row.emotion] = (bucket.moods[row.emotion] ?? 0) + row.n;
    bucket.valence += row.valence; // sums until divided below
    bucket.arousal += row.arousal;
    byStart.set(start, bucket);
  }
  const buckets = [...byStart.values()].map((b) => ({ ...b, valence: b.valence / b.samples, arousal: b.arousal / b.samples }));

  const path = rowsOf<{ at: string; valence: number; arousal: number }>(
    await db.execute(sql`
      select date_trunc('minute', at) as at, avg(valence)::float8 as valence, avg(arousal)::float8 as arousal
      from emotion_samples where ${scope.samples} and at >= ${sinceSql}
      group by 1 having count(distinct user_id) >= ${min} order by 1 desc limit 2000`),
  )
    .map((r) => ({ at: iso(r.at), valence: r.valence, arousal: r.arousal }))
    .reverse();

  let plays: HistoryReply['plays'] = [];
  if (scope.playSessions.length > 0) {
    const feedbackJoin = scope.feedbackUserId
      ? sql`coalesce((select json_agg(distinct f.kind) from feedback f where f.track_id = p.track_id and f.user_id in ${feedbackKeys(scope.feedbackUserId)} and f.created_at >= p.started_at), '[]'::json)`
      : sql`'[]'::json`;
    plays = rowsOf<{
      track_id: string;
      title: string;
      artist: string | null;
      started_at: string;
      session_key: string;
      strategy: string;
      explanation: string;
      feedback: string[] | string;
    }>(
      await db.execute(sql`
        select p.track_id, t.title, t.artist, p.started_at, p.session_key, p.strategy, p.explanation, ${feedbackJoin} as feedback
        from plays p join tracks t on t.id = p.track_id
        where p.session_key in (${sql.join(
          scope.playSessions.map((k) => sql`${k}`),
          sql`, `,
        )}) and p.started_at >= ${sinceSql}
        order by p.started_at desc limit 500`),
    ).map((r) => ({
      trackId: r.track_id,
      title: r.title,
      artist: r.artist,
      startedAt: iso(r.started_at),
      sessionKey: r.session_key,
      strategy: r.strategy,
      explanation: r.explanation,
      feedback: typeof r.feedback === 'string' ? (JSON.parse(r.feedback) as string[]) : r.feedback,
    }));
  }

  const feedback = { like: 0, skip: 0, dislike: 0 };
  let liked: FeedbackTrack[] = [];
  let skipped: FeedbackTrack[] = [];
  if (scope.feedbackUserId) {
    const keys = feedbackKeys(scope.feedbackUserId);
    const rows = rowsOf<{ kind: string; n: number }>(
      await db.execute(
        sql`select kind, count(*)::int as n from feedback where user_id in ${keys} and created_at >= ${sinceSql} group by kind`,
      ),
    );
    for (const r of rows) if (r.kind in feedback) feedback[r.kind as keyof typeof feedback] = r.n;
    const tracksWith = async (kinds: string[]) =>
      rowsOf<{ track_id: string; title: string; artist: string | null; at: string; kinds: string[] | string }>(
        await db.execute(sql`
          select f.track_id, t.title, t.artist, max(f.created_at) as at, json_agg(distinct f.kind) as kinds
          from feedback f join tracks t on t.id = f.track_id
          where f.user_id in ${keys} and f.created_at >= ${sinceSql} and f.kind in (${sql.join(
            kinds.map((k) => sql`${k}`),
            sql`, `,
          )})
          group by f.track_id, t.title, t.artist order by 4 desc limit 200`),
      ).map((r) => ({
        trackId: r.track_id,
        title: r.title,
        artist: r.artist,
        at: iso(r.at),
        kinds: typeof r.kinds === 'string' ? (JSON.parse(r.kinds) as string[]) : r.kinds,
      }));
    liked = await tracksWith(['like']);
    skipped = await tracksWith(['skip', 'dislike']);
  }
  return { since: since.toISOString(), bucket: options.bucket, buckets, path, plays, feedback, liked, skipped };
}

export function userScope(userId: string, roomIds: string[]): HistoryScope {
  return {
    samples: sql`user_id = ${userId}`,
    playSessions: [`listener:${userId}`, ...roomIds.map((id) => `room:${id}`)],
    feedbackUserId: userId,
  };
}

export function roomScope(roomId: string): HistoryScope {
  return { samples: sql`room_id = ${roomId}`, playSessions: [`room:${roomId}`], minPeople: ROOM_HISTORY_MIN_PEOPLE };
}
