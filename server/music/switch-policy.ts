/**
 * When a room's music changes before the current track ends, and what the room is told while it
 * waits. Three things ask for an early change:
 *  - the sensed mood moved strongly and stayed away (the dwell tracker decides: smoothness.ts);
 *  - a member pinned a mood (an override: deliberate, no sustain needed);
 *  - someone steered: "Play next" on a track, or a journey that was set or reached its next step.
 * Each waits for the current track's minimum play time (MUSIC_MIN_DWELL_S). While it waits, the
 * room's story says so (`story.waiting`: a plain sentence and the epoch ms when it may happen),
 * and a timer makes the switch then, since without media nothing else would look again.
 */
import { type MusicDirector, roomSession } from './director.js';
import { realScheduler, type Scheduler } from './first-pick.js';
import { journeyStep, nextStepAt } from './journey.js';
import type { MoodReading } from './recommender.js';
import type { RoomStories } from './room-story.js';
import { type WaitingCause, waitingSentence } from './story.js';

/** The part of the stream engine this needs (app.streams, structurally). */
export interface SwitchableStreams {
  requestSwitch(roomId: string, reason: 'mood'): Promise<unknown>;
  get?(roomId: string): unknown;
}

export interface RoomSwitcherDeps {
  director: MusicDirector;
  stories: RoomStories;
  /** The room's latest mood as the music sees it. */
  roomMood(roomId: string): MoodReading;
  /** The stream engine, once there is one (it is registered after the music, and handed over then: server/app.ts). */
  streams(): SwitchableStreams | undefined;
  log: { debug(obj: object, msg: string): void };
  now?: () => number;
  schedule?: Scheduler;
}

export class RoomSwitcher {
  /** One pending early switch per room (mood, override or steering), and one journey-step timer. */
  private readonly pending = new Map<string, () => void>();
  private readonly stepTimers = new Map<string, () => void>();
  /** Rooms whose pending switch is a steering one (a mood that settles must not cancel it). */
  private readonly steering = new Set<string>();
  private readonly now: () => number;
  private readonly schedule: Scheduler;

  constructor(private readonly deps: RoomSwitcherDeps) {
    this.now = deps.now ?? Date.now;
    this.schedule = deps.schedule ?? realScheduler;
  }

  /** A new room mood: switch now, wait for the dwell (and say so), or carry on. */
  moodChanged(roomId: string, mood: MoodReading, deliberate: boolean): void {
    if (!this.deps.streams()) return;
    const { director, stories } = this.deps;
    const session = roomSession(roomId);
    if (director.shouldSwitchEarly(session, mood, deliberate)) {
      this.cancelPending(roomId);
      stories.setWaiting(roomId, null);
      this.switchNow(roomId);
      return;
    }
    // A steering switch already waits for the same dwell, and its pick will suit the mood anyway.
    if (this.steering.has(roomId)) return;
    const held = director.switchWaiting(session);
    if (held) {
      const pinned = mood.overrides?.[0];
      const cause: WaitingCause =
        deliberate && pinned
          ? {
              kind: 'override',
              emotion: pinned.emotion,
              ...(pinned.displayName ? { displayName: pinned.displayName } : {}),
              alone: (mood.members ?? 1) <= 1,
            }
          : { kind: 'sensed', from: held.pickedFor, to: mood };
      this.wait(roomId, held.at, cause, () => this.moodChanged(roomId, this.deps.roomMood(roomId), false));
    } else {
      // The change is over (the mood came back) or never was: nothing waits.
      this.cancelPending(roomId);
      stories.setWaiting(roomId, null);
    }
  }

  /** "Play next" or a journey step: switch once the current track has played its minimum time. */
  steer(roomId: string, cause: WaitingCause): void {
    const streams = this.deps.streams();
    // No stream yet: the steering applies to the room's first pick when it starts.
    if (!streams || (streams.get && !streams.get(roomId))) return;
    const remaining = this.deps.director.dwellRemainingMs(roomSession(roomId));
    if (remaining <= 0) {
      this.cancelPending(roomId);
      this.deps.stories.setWaiting(roomId, null);
      this.switchNow(roomId);
      return;
    }
    this.steering.add(roomId);
    this.wait(roomId, this.now() + remaining, cause, () => this.switchNow(roomId));
  }

  /** A journey was set: its first step plays after the dwell, the next steps on their schedule. */
  journeyStarted(roomId: string): void {
    this.steer(roomId, this.journeyCause(roomId));
    this.scheduleStep(roomId);
    this.deps.stories.refresh(roomId);
  }

  journeyEnded(roomId: string): void {
    this.stepTimers.get(roomId)?.();
    this.stepTimers.delete(roomId);
    this.deps.stories.refresh(roomId);
  }

  /** A new pick was made (for whatever reason): whatever waited is answered by it. */
  picked(roomId: string): void {
    this.cancelPending(roomId);
    this.deps.stories.setWaiting(roomId, null);
  }

  forget(roomId: string): void {
    this.cancelPending(roomId);
    this.stepTimers.get(roomId)?.();
    this.stepTimers.delete(roomId);
  }

  close(): void {
    for (const roomId of [...this.pending.keys(), ...this.stepTimers.keys()]) this.forget(roomId);
  }

  private journeyCause(roomId: string): WaitingCause {
    const journey = this.deps.director.journeyOf(roomSession(roomId))!;
    return { kind: 'journey', label: journey.label, step: journeyStep(journey, this.now()), steps: journey.steps };
  }

  private scheduleStep(roomId: string): void {
    this.stepTimers.get(roomId)?.();
    this.stepTimers.delete(roomId);
    const journey = this.deps.director.journeyOf(roomSession(roomId));
    const at = journey && nextStepAt(journey, this.now());
    if (at === undefined) return;
    this.stepTimers.set(
      roomId,
      this.schedule(
        () => {
          this.stepTimers.delete(roomId);
          if (this.deps.director.journeyOf(roomSession(roomId)) !== journey) return;
          this.deps.stories.refresh(roomId);
          this.steer(roomId, this.journeyCause(roomId));
          this.scheduleStep(roomId);
        },
        Math.max(0, at - this.now()),
      ),
    );
  }

  private wait(roomId: string, at: number, cause: WaitingCause, then: () => void): void {
    this.cancelPending(roomId, false);
    this.deps.stories.setWaiting(roomId, { sentence: waitingSentence(cause), at });
    // A little after the dwell ends, so the dwell tracker agrees it is over.
    this.pending.set(
      roomId,
      this.schedule(
        () => {
          this.pending.delete(roomId);
          then();
        },
        Math.max(0, at - this.now()) + 50,
      ),
    );
  }

  private cancelPending(roomId: string, endSteering = true): void {
    this.pending.get(roomId)?.();
    this.pending.delete(roomId);
    if (endSteering) this.steering.delete(roomId);
  }

  private switchNow(roomId: string): void {
    this.steering.delete(roomId);
    this.deps
      .streams()
      ?.requestSwitch(roomId, 'mood')
      .catch((err: Error) => this.deps.log.debug({ roomId, err: err.message }, 'early switch not applied'));
  }
}
