/**
 * The story of each room's music as the room sees it: the sentence and details of the pick that
 * is audible, the change it waits for (if any) and its journey. Announced on the bus as
 * `nowPlaying` when a pick becomes audible, and again for the same track whenever the story
 * changes (a change starts or stops waiting, a journey is set, steps or ends), so a screen never
 * shows a countdown or a journey that no longer holds.
 */
import type { MusicStory, StoryWaiting } from '../../vocabulary/music-story.js';
import type { EventBus } from '../events.js';
import { type MusicDirector, type NextTrack, roomSession } from './director.js';
import { journeyView } from './journey.js';
import { type NowPlayingEvent, nowPlayingEvent, type StartedTrack } from './now-playing.js';

export class RoomStories {
  /** The latest picks per room (a stream queues picks ahead of what is audible). */
  private readonly picks = new Map<string, NextTrack[]>();
  /** What each room hears, as last announced (its story is rebuilt on each announcement). */
  private readonly audible = new Map<string, { event: NowPlayingEvent; pick: NextTrack | undefined }>();
  private readonly waiting = new Map<string, StoryWaiting>();

  constructor(
    private readonly events: EventBus,
    private readonly director: MusicDirector,
    private readonly now: () => number = Date.now,
  ) {}

  picked(roomId: string, pick: NextTrack): void {
    const picks = this.picks.get(roomId) ?? [];
    this.picks.set(roomId, [...picks.slice(-4), pick]);
  }

  /** The stream says a track became audible (at audibleAtMs): announce it with its story. */
  started(roomId: string, track: StartedTrack, audibleAtMs: number): void {
    const pick = this.picks.get(roomId)?.findLast((p) => p.trackId === track.trackId);
    const event = nowPlayingEvent(
      roomId,
      track,
      audibleAtMs,
      pick,
      this.director.strategyOf(roomSession(roomId)),
      this.storyFor(roomId, pick, track.explanation),
    );
    this.audible.set(roomId, { event, pick });
    this.events.emit('nowPlaying', event);
  }

  /** Sets (or with null clears) what the room waits for; the audible track is announced again when it changes. */
  setWaiting(roomId: string, waiting: StoryWaiting | null): void {
    const before = this.waiting.get(roomId);
    if (before?.sentence === waiting?.sentence && before?.at === waiting?.at) return;
    if (waiting) this.waiting.set(roomId, waiting);
    else this.waiting.delete(roomId);
    this.refresh(roomId);
  }

  /** Announces the audible track again with its story as it is now (a journey changed). */
  refresh(roomId: string): void {
    const current = this.audible.get(roomId);
    if (!current) return;
    const event = { ...current.event, story: this.storyFor(roomId, current.pick, current.event.explanation) };
    this.audible.set(roomId, { ...current, event });
    this.events.emit('nowPlaying', event);
  }

  /** The story of what the room hears now (null before anything was audible). */
  story(roomId: string): MusicStory | null {
    const current = this.audible.get(roomId);
    return current ? this.storyFor(roomId, current.pick, current.event.explanation) : null;
  }

  stopped(roomId: string): void {
    this.picks.delete(roomId);
    this.audible.delete(roomId);
    this.waiting.delete(roomId);
  }

  private storyFor(roomId: string, pick: NextTrack | undefined, explanation: string): MusicStory {
    const journey = this.director.journeyOf(roomSession(roomId));
    return {
      // A track from elsewhere (not this recommender's pick) has no decision to tell.
      sentence: pick?.story.sentence ?? 'This one was chosen for the room.',
      details: pick?.story.details ?? [explanation],
      waiting: this.waiting.get(roomId) ?? null,
      journey: journey ? journeyView(journey, this.now()) : null,
    };
  }
}
