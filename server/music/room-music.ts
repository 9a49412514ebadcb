/**
 * A room's music as the event bus drives it, with no HTTP in sight: the mood the music follows
 * (`roomMood`), a first pick that waits for the room to be read (first-pick.ts), early switches
 * and what the room is told while one waits (switch-policy.ts), the story announced as
 * `nowPlaying` (room-story.ts), whose strategy steers (room-strategy.ts), and the track source and
 * feedback sink the stream engine plays from. The music plugin wires it into the server;
 * room-music.test.ts drives it with a bus, a room registry and the director alone.
 */
import type { MoodPoint } from '../../vocabulary/circumplex.js';
import type { MusicStory } from '../../vocabulary/music-story.js';
import type { Db } from '../database.js';
import type { EventBus } from '../events.js';
import type { RoomMoodEvent } from '../mood/engine.js';
import type { FeedbackSink } from '../stream/plugin.js';
import type { SwitchReason } from '../stream/track-source.js';
import { type MusicDirector, type NextTrack, roomSession } from './director.js';
import { FirstReadingGate, readyForFirstPick, type Scheduler } from './first-pick.js';
import type { MoodReading } from './recommender.js';
import { RoomStories } from './room-story.js';
import { peopleIn, type RoomPresence, RoomStrategies } from './room-strategy.js';
import { RoomSwitcher, type SwitchableStreams } from './switch-policy.js';

export interface RoomMusicDeps {
  events: EventBus;
  db: Db;
  director: MusicDirector;
  /** Who is in each room (the room registry). */
  presence: RoomPresence;
  log: { warn(obj: object, msg: string): void; debug(obj: object, msg: string): void };
  /** A room's first track waits at most this long for a confident reading (MUSIC_FIRST_PICK_WAIT_S). */
  firstPickWaitMs: number;
  /** Whether the library is being imported now (an empty library says so when nothing can be picked). */
  importing(): boolean;
  now?: () => number;
  schedule?: Scheduler;
}

const NEUTRAL: MoodReading = { emotion: 'neutral', confidence: 0, valence: 0, arousal: 0 };

export class RoomMusic {
  private readonly stories: RoomStories;
  /** Early switches, steering and journey steps (the steering routes use it too). */
  readonly switcher: RoomSwitcher;
  private readonly strategies: RoomStrategies;
  private readonly firstReading: FirstReadingGate;
  /**
   * The mood the music follows, per room. Not the live hub's snapshot (server/live/): that one is
   * sent to screens at most once a second, rounded, and says 'listening' with no mood while
   * nobody can be read, when the music keeps the last mood it knew.
   */
  private readonly moods = new Map<string, MoodReading>();
  /** Signed-in users heard in each room (their moods, their feedback): whose history shapes its picks. */
  private readonly heard = new Map<string, Set<string>>();
  private streams: SwitchableStreams | undefined;

  constructor(private readonly deps: RoomMusicDeps) {
    const { events, director, log } = deps;
    this.stories = new RoomStories(events, director, deps.now);
    this.switcher = new RoomSwitcher({
      director,
      stories: this.stories,
      roomMood: (roomId) => this.roomMood(roomId),
      streams: () => this.streams,
      log,
      ...(deps.now && { now: deps.now }),
      ...(deps.schedule && { schedule: deps.schedule }),
    });
    this.firstReading = new FirstReadingGate(deps.firstPickWaitMs, deps.schedule);
    this.strategies = new RoomStrategies(deps);

    events.on('participantMood', (e) => {
      if (e.userId) this.heardIn(e.roomId).add(e.userId);
    });
    events.on('roomMood', (e) => this.follow(e));
    events.on('trackStarted', ({ roomId, track, audibleAtMs }) => {
      if (director.currentTrack(roomSession(roomId))?.trackId === track.trackId) director.trackAudible(roomSession(roomId));
      this.stories.started(roomId, track, audibleAtMs);
    });
    events.on('streamStopped', ({ roomId }) => {
      this.stories.stopped(roomId);
      this.switcher.forget(roomId);
    });
  }

  /** The stream engine to ask for early switches (it is built after the music: server/app.ts). */
  playOn(streams: SwitchableStreams): void {
    this.streams = streams;
  }

  /** The latest mood of a room as the music sees it (neutral with confidence 0 before any). */
  roomMood(roomId: string): MoodReading {
    return this.moods.get(roomId) ?? NEUTRAL;
  }

  /** The story of what the room hears now (CONTRACTS §1), or null before anything was audible. */
  story(roomId: string): MusicStory | null {
    return this.stories.story(roomId);
  }

  /** Where the music aims for the room in this mood (the live hub's roomMood carries it); null: nowhere. */
  musicTarget(roomId: string, mood: MoodPoint | null): MoodPoint | null {
    const { director } = this.deps;
    const session = roomSession(roomId);
    if (director.journeyOf(session)) return director.targetNow(session, mood ?? this.roomMood(roomId));
    return mood ? director.targetNow(session, mood) : null;
  }

  /** The stream engine's track source: the next track for a room, announced as `trackPicked`. */
  async next(roomId: string, reason: SwitchReason): Promise<NextTrack> {
    const { director, events, presence } = this.deps;
    if (director.catalogSize === 0) await director.reloadCatalog();
    // The stream itself stores a skip as its listener's feedback; reason only goes out with trackPicked.
    await this.strategies.apply(roomId);
    // The first track waits (≤ 10 s) for the room to be read, unless nobody is there to read.
    if (reason === 'start')
      await this.firstReading.wait(roomId, () => peopleIn(presence, roomId).length === 0 || readyForFirstPick(this.roomMood(roomId)));
    const cause = reason === 'start' ? 'first' : reason;
    const pick = await director.next({
      sessionKey: roomSession(roomId),
      mood: this.roomMood(roomId),
      userIds: [...this.heardIn(roomId)],
      cause,
    });
    if (!pick)
      throw new Error(
        this.deps.importing()
          ? 'the music library is still being imported: try again shortly'
          : 'the music library is empty: import music with npm run library:import -- DIR',
      );
    this.stories.picked(roomId, pick);
    this.switcher.picked(roomId);
    events.emit('trackPicked', {
      roomId,
      trackId: pick.trackId,
      valence: pick.valence,
      arousal: pick.arousal,
      reason,
      explanation: pick.explanation,
      at: Date.now(),
    });
    return pick;
  }

  /** The stream engine's feedback sink: a listener's like, dislike or skip, which counts in the room's picks from now on. */
  readonly recordFeedback: FeedbackSink['record'] = async ({ roomId, trackId, listenerId, kind }) => {
    await this.deps.director.recordFeedback(listenerId, trackId, kind);
    this.heardIn(roomId).add(listenerId);
  };

  close(): void {
    this.switcher.close();
  }

  /** A room mood from the bus: follow it, let a waiting first pick go, and switch early if it says so. */
  private follow({ roomId, mood, status = 'mood', overrides, cause }: RoomMoodEvent): void {
    if (status === 'listening' && !cause) return; // members present, none confident: the music keeps the last mood it knew
    const reading: MoodReading =
      status === 'mood'
        ? {
            emotion: mood.emotion,
            confidence: mood.confidence,
            valence: mood.valence,
            arousal: mood.arousal,
            members: mood.members,
            ...(mood.agreeing !== undefined ? { agreeing: mood.agreeing } : {}),
            status,
          }
        : { ...NEUTRAL, status };
    if (overrides?.length)
      reading.overrides = overrides.map((o) => ({
        emotion: o.emotion,
        until: o.until,
        ...(o.displayName ? { displayName: o.displayName } : {}),
      }));
    this.moods.set(roomId, reading);
    if (status === 'empty' || readyForFirstPick(reading)) this.firstReading.moodRead(roomId);
    // Nobody there: nothing to follow (listeners keep the music; the next pick is for an empty room).
    if (status !== 'empty') this.switcher.moodChanged(roomId, reading, cause === 'override');
  }

  private heardIn(roomId: string): Set<string> {
    let users = this.heard.get(roomId);
    if (!users) this.heard.set(roomId, (users = new Set()));
    return users;
  }
}
