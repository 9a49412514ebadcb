/**
 * What the stream engine asks: "this room (or listener) feels like this — what plays next?".
 * Keeps per-session play history (freshness), dwell state (smoothness), strategy, and each
 * user's feedback; scoring itself is the pure recommender. Plays and feedback are stored.
 */
import { desc, eq } from 'drizzle-orm';

import { feedback, plays } from '../../sql/schema.js';
import { distance, type MoodPoint } from '../../vocabulary/circumplex.js';
import type { MusicStory } from '../../vocabulary/music-story.js';
import type { Db } from '../database.js';
import { loadCatalog } from './catalog.js';
import { type Destination, type Journey, journeyStep, journeyTarget, journeyView, startJourney } from './journey.js';
import {
  type CatalogTrack,
  type FeedbackKind,
  type MoodReading,
  type Pick,
  pickTrack,
  type PlayRecord,
  type RecommenderOptions,
  STRATEGIES,
  type Strategy,
  targetFor,
} from './recommender.js';
import { DEFAULT_DWELL_OPTIONS, type DwellOptions, DwellTracker } from './smoothness.js';
import { type PickCause, pickDetails, pickSentence, type StoryMood } from './story.js';

/** A catalogue track as picked: the track plus why (strategy, target, explanation, the plain-word story). */
export interface NextTrack extends CatalogTrack {
  strategy: Strategy;
  target: MoodPoint;
  /** The old one-line explanation with its numbers (kept for compatibility; clients render story). */
  explanation: string;
  cause: PickCause;
  /** Sentence and details of this pick; `waiting` is null here (the plugin keeps it current). */
  story: MusicStory;
}

export interface NextRequest {
  /** "room:<id>" (roomSession) or "listener:<id>" (one listener's own session; server/accounts/personal-data.ts deletes those with the user). */
  sessionKey: string;
  mood: MoodReading;
  /** Whose feedback counts: the listener, or the room's signed-in members. */
  userIds?: readonly string[];
  strategy?: Strategy;
  /** Why the pick is asked for (default 'next'); a queued track makes it 'queued'. */
  cause?: Exclude<PickCause, 'queued'>;
}

interface Session {
  strategy: Strategy;
  history: PlayRecord[];
  current?: CatalogTrack;
  dwell: DwellTracker;
  loaded: boolean;
  journey?: Journey;
  /** "Play next": the track to take at the next pick, and who asked. */
  queued?: { trackId: string; by?: string };
}

/** A queued track, as a pick: no scoring, but the same target and distance lines. */
function queuedPick(track: CatalogTrack, target: MoodPoint, by: string | undefined): Pick {
  const moodDistance = distance(track, target);
  return {
    track,
    target,
    targetBpm: 0,
    cost: moodDistance,
    moodDistance,
    freshnessRelaxed: false,
    explanation: `${by ?? 'someone'} chose it to play next (track valence ${track.valence.toFixed(2)}, arousal ${track.arousal.toFixed(2)})`,
  };
}

export class UnknownTrackError extends Error {
  constructor(readonly trackId: string) {
    super(`no track ${trackId} in the library`);
    this.name = 'UnknownTrackError';
  }
}

export const roomSession = (roomId: string) => `room:${roomId}`;

export interface DirectorOptions {
  now?: () => number;
  recommender?: Partial<RecommenderOptions>;
  dwell?: DwellOptions;
  defaultStrategy?: Strategy;
  /** Called when a play could not be stored or history/feedback could not be read (picks go on). */
  onStorageError?: (err: Error, what: string) => void;
}

export class MusicDirector {
  private catalog: CatalogTrack[] = [];
  private readonly sessions = new Map<string, Session>();
  private readonly feedbackByUser = new Map<string, Map<string, { like: number; skip: number; dislike: number }>>();
  private readonly now: () => number;

  constructor(
    private readonly db: Db,
    private readonly options: DirectorOptions = {},
  ) {
    this.now = options.now ?? Date.now;
  }

  async reloadCatalog(): Promise<number> {
    this.catalog = await loadCatalog(this.db);
    return this.catalog.length;
  }

  get catalogSize(): number {
    return this.catalog.length;
  }

  setStrategy(sessionKey: string, strategy: Strategy): void {
    if (!STRATEGIES.includes(strategy)) throw new Error(`unknown strategy "${strategy}" (match, lift or calm)`);
    this.session(sessionKey).strategy = strategy;
  }

  /** The track most recently picked for a session. */
  currentTrack(sessionKey: string): CatalogTrack | undefined {
    return this.sessions.get(sessionKey)?.current;
  }

  strategyOf(sessionKey: string): Strategy {
    return this.session(sessionKey).strategy;
  }

  /**
   * Picks the next track for a session (a queued one first; on a journey, for the journey's
   * current step), records the play, and starts its dwell clock.
   */
  async next(request: NextRequest): Promise<NextTrack | undefined> {
    const session = await this.loadedSession(request.sessionKey);
    if (request.strategy) this.setStrategy(request.sessionKey, request.strategy);
    const tally = await this.feedbackFor(request.userIds ?? []);
    const now = this.now();
    const target = this.targetNow(request.sessionKey, request.mood);
    const queued = session.queued && this.catalog.find((t) => t.trackId === session.queued!.trackId);
    const queuedBy = session.queued?.by;
    session.queued = undefined;
    const pick = queued
      ? queuedPick(queued, target, queuedBy)
      : pickTrack(
          this.catalog,
          {
            mood: request.mood,
            strategy: session.strategy,
            now,
            history: session.history,
            feedback: tally,
            ...(session.current ? { previous: session.current } : {}),
            subject: request.sessionKey.startsWith('room:') ? 'the room' : 'you',
            ...(session.journey ? { target } : {}),
          },
          this.options.recommender,
        );
    if (!pick) return undefined;
    session.history.push({ trackId: pick.track.trackId, at: now });
    if (session.history.length > 500) session.history.splice(0, session.history.length - 500);
    session.current = pick.track;
    session.dwell.started(request.mood, now);
    // The play is history, not a precondition: a database outage must not stop the music.
    await this.db
      .insert(plays)
      .values({
        trackId: pick.track.trackId,
        sessionKey: request.sessionKey,
        strategy: session.strategy,
        targetValence: pick.target.valence,
        targetArousal: pick.target.arousal,
        explanation: pick.explanation,
        startedAt: new Date(now),
      })
      .catch((err: Error) => this.options.onStorageError?.(err, 'play'));
    const cause: PickCause = queued ? 'queued' : (request.cause ?? 'next');
    const story = this.storyOf(request, session, pick, cause, queuedBy, now, tally.get(pick.track.trackId));
    return { ...pick.track, strategy: session.strategy, target: pick.target, explanation: pick.explanation, cause, story };
  }

  private storyOf(
    request: NextRequest,
    session: Session,
    pick: Pick,
    cause: PickCause,
    queuedBy: string | undefined,
    now: number,
    fb: { like: number } | undefined,
  ): MusicStory {
    const mood = request.mood;
    const storyMood: StoryMood = {
      status: mood.status ?? (mood.confidence > 0 ? 'mood' : 'listening'),
      emotion: mood.emotion,
      members: mood.members ?? 1,
      ...(mood.agreeing !== undefined ? { agreeing: mood.agreeing } : {}),
      overrides: mood.overrides ?? [],
    };
    const journey = session.journey
      ? { label: session.journey.label, step: journeyStep(session.journey, now), steps: session.journey.steps }
      : null;
    const sentence = pickSentence({
      subject: request.sessionKey.startsWith('room:') ? 'room' : 'listener',
      cause,
      strategy: session.strategy,
      mood: storyMood,
      journey,
      ...(queuedBy ? { queuedBy } : {}),
    });
    const details = pickDetails({
      mood: { ...mood, status: storyMood.status },
      strategy: session.strategy,
      target: pick.target,
      track: pick.track,
      distance: pick.moodDistance,
      journey,
      overrides: mood.overrides ?? [],
      freshnessRelaxed: pick.freshnessRelaxed,
      liked: (fb?.like ?? 0) > 0,
    });
    return { sentence, details, waiting: null, journey: session.journey ? journeyView(session.journey, now) : null };
  }

  /** Where the session's music should be now: the journey's current step, else one strategy step from the mood. */
  targetNow(sessionKey: string, mood: MoodPoint): MoodPoint {
    const session = this.session(sessionKey);
    if (session.journey) return journeyTarget(session.journey, this.now());
    return targetFor(mood, session.strategy, this.options.recommender?.step);
  }

  /** Steers the session to a destination, starting from `from` (the room's mood now). */
  setDestination(sessionKey: string, destination: Destination, from: MoodPoint): Journey {
    const journey = startJourney(from, destination, this.now());
    this.session(sessionKey).journey = journey;
    return journey;
  }

  clearDestination(sessionKey: string): boolean {
    const session = this.sessions.get(sessionKey);
    const had = Boolean(session?.journey);
    if (session) session.journey = undefined;
    return had;
  }

  journeyOf(sessionKey: string): Journey | undefined {
    return this.sessions.get(sessionKey)?.journey;
  }

  /** "Play next": the session's next pick is this track (throws UnknownTrackError for a track not in the library). */
  queueTrack(sessionKey: string, trackId: string, by?: string): CatalogTrack {
    const track = this.catalog.find((t) => t.trackId === trackId);
    if (!track) throw new UnknownTrackError(trackId);
    this.session(sessionKey).queued = { trackId, ...(by ? { by } : {}) };
    return track;
  }

  queuedOf(sessionKey: string): { trackId: string; by?: string } | undefined {
    return this.sessions.get(sessionKey)?.queued;
  }

  /** Milliseconds the current track must still play before anything may replace it early (0 once its dwell is over). */
  dwellRemainingMs(sessionKey: string): number {
    return this.sessions.get(sessionKey)?.dwell.dwellRemainingMs(this.now()) ?? 0;
  }

  /**
   * A switch the last mood update asked for that the minimum dwell holds back: when it may
   * happen (epoch ms) and the mood the current track was picked for; undefined when none waits.
   */
  switchWaiting(sessionKey: string): { at: number; pickedFor: MoodPoint } | undefined {
    const dwell = this.sessions.get(sessionKey)?.dwell;
    const at = dwell?.heldUntil;
    return at !== undefined && dwell?.pickedForMood ? { at, pickedFor: dwell.pickedForMood } : undefined;
  }

  /** The stream says the session's latest pick is now audible: the minimum dwell starts then. */
  trackAudible(sessionKey: string): void {
    this.sessions.get(sessionKey)?.dwell.audible(this.now());
  }

  /**
   * Feed mood updates between picks: true when the current track should end early (strong,
   * sustained change after the minimum dwell; `deliberate` changes, a user's override, need not be sustained).
   */
  shouldSwitchEarly(sessionKey: string, mood: MoodPoint, deliberate = false): boolean {
    return this.session(sessionKey).dwell.shouldSwitchEarly(mood, this.now(), deliberate);
  }

  /** When a deliberate change waits for the current track's minimum dwell: how long still (ms); else undefined. */
  deliberateSwitchDueInMs(sessionKey: string): number | undefined {
    const dwell = this.sessions.get(sessionKey)?.dwell;
    return dwell?.deliberatePending ? dwell.dwellRemainingMs(this.now()) : undefined;
  }

  /** The analysed library as the recommender sees it (search reads it; do not modify). */
  get library(): readonly CatalogTrack[] {
    return this.catalog;
  }

  hasTrack(trackId: string): boolean {
    return this.catalog.some((t) => t.trackId === trackId);
  }

  async recordFeedback(userId: string, trackId: string, kind: FeedbackKind): Promise<void> {
    if (!['like', 'skip', 'dislike'].includes(kind)) throw new Error(`unknown feedback "${kind}" (like, skip or dislike)`);
    if (!this.hasTrack(trackId)) throw new UnknownTrackError(trackId);
    await this.db.insert(feedback).values({ userId, trackId, kind });
    const tally = await this.userFeedback(userId);
    const entry = tally.get(trackId) ?? { like: 0, skip: 0, dislike: 0 };
    entry[kind] += 1;
    tally.set(trackId, entry);
  }

  private async feedbackFor(userIds: readonly string[]): Promise<Map<string, { like: number; skip: number; dislike: number }>> {
    const sum = new Map<string, { like: number; skip: number; dislike: number }>();
    for (const userId of userIds) {
      for (const [trackId, t] of await this.userFeedback(userId)) {
        const s = sum.get(trackId) ?? { like: 0, skip: 0, dislike: 0 };
        s.like += t.like;
        s.skip += t.skip;
        s.dislike += t.dislike;
        sum.set(trackId, s);
      }
    }
    return sum;
  }

  private async userFeedback(userId: string): Promise<Map<string, { like: number; skip: number; dislike: number }>> {
    let tally = this.feedbackByUser.get(userId);
    if (tally) return tally;
    tally = new Map();
    let rows: { trackId: string; kind: string }[];
    try {
      rows = await this.db.select({ trackId: feedback.trackId, kind: feedback.kind }).from(feedback).where(eq(feedback.userId, userId));
    } catch (err) {
      this.options.onStorageError?.(err as Error, 'feedback');
      return tally; // not cached: read again once the database is back
    }
    for (const row of rows) {
      const entry = tally.get(row.trackId) ?? { like: 0, skip: 0, dislike: 0 };
      if (row.kind === 'like' || row.kind === 'skip' || row.kind === 'dislike') entry[row.kind] += 1;
      tally.set(row.trackId, entry);
    }
    this.feedbackByUser.set(userId, tally);
    return tally;
  }

  private session(sessionKey: string): Session {
    let s = this.sessions.get(sessionKey);
    if (!s) {
      s = {
        strategy: this.options.defaultStrategy ?? 'match',
        history: [],
        dwell: new DwellTracker(this.options.dwell ?? DEFAULT_DWELL_OPTIONS),
        loaded: false,
      };
      this.sessions.set(sessionKey, s);
    }
    return s;
  }

  /** A session's recent plays survive a restart: freshness reads them back once. */
  private async loadedSession(sessionKey: string): Promise<Session> {
    const s = this.session(sessionKey);
    if (s.loaded) return s;
    let recent: { trackId: string; startedAt: Date }[];
    try {
      recent = await this.db
        .select({ trackId: plays.trackId, startedAt: plays.startedAt })
        .from(plays)
        .where(eq(plays.sessionKey, sessionKey))
        .orderBy(desc(plays.startedAt))
        .limit(100);
    } catch (err) {
      this.options.onStorageError?.(err as Error, 'history');
      return s; // picks go on with the in-memory history; the stored one is read next time
    }
    s.history = [...recent.reverse().map((r) => ({ trackId: r.trackId, at: r.startedAt.getTime() })), ...s.history];
    s.loaded = true;
    return s;
  }
}
