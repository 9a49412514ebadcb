/**
 * The mood engine: one MoodFusion per participant, a group mood per room, both published on the
 * event bus (`participantMood`, `roomMood`) for the dashboard, the recommender and the stream.
 * The models feed it through observe(); every fused reading can also go to a sample sink
 * (server/persistence/emotion-sample-writer.ts) that must not block.
 *
 * A user's mood override (setOverride) replaces what the models sense for every participant of
 * that user until it runs out: the published mood is the pinned emotion (source "override"),
 * the group mood counts it with full confidence, and fusion keeps running underneath so the
 * sensed mood is there again the moment the override ends. The sample sink always gets the
 * sensed mood: history records what was seen and heard, not what was pinned.
 */
import { FER_LABELS, type FerLabel } from '../../models/labels.js';
import type { EventBus } from '../events.js';
import { CIRCUMPLEX } from './circumplex.js';
import { MoodFusion, type FusionOptions } from './fusion.js';
import { groupMood, type GroupMood, type GroupOptions } from './group.js';
import type { FusedMood, Modality, ModalityReading, MoodOverride } from './types.js';

export interface Observation {
  roomId: string;
  participantId: string;
  userId?: string;
  modality: Modality;
  /** null: nothing usable this time (no face, camera off, silence). */
  reading: ModalityReading | null;
  /** Milliseconds; defaults to the engine's clock. */
  t?: number;
}

export interface ParticipantMoodEvent {
  roomId: string;
  participantId: string;
  userId?: string;
  /** The mood in effect: the fused one, or the user's override while one is active. */
  mood: FusedMood;
  source: 'fused' | 'override';
  override: MoodOverride | null;
  /** What fusion sensed (equal to `mood` unless an override is active). */
  fused: FusedMood;
  /** The latest per-modality probabilities that went into it (null when absent). */
  face: readonly number[] | null;
  voice: readonly number[] | null;
}

/** A participant whose override counted in a group mood (for the pick's explanation). */
export interface OverrideInGroup extends MoodOverride {
  participantId: string;
  userId: string;
  displayName?: string;
}

export interface RoomMoodEvent {
  roomId: string;
  mood: GroupMood;
  t: number;
  /** Members whose mood override counted in this group mood. */
  overrides?: OverrideInGroup[];
  /** 'override': published because an override was set, cleared or ran out (a deliberate change). */
  cause?: 'override';
}

export type MoodSampleSink = (event: ParticipantMoodEvent) => void;

interface Participant {
  fusion: MoodFusion;
  roomId: string;
  userId?: string;
  displayName?: string;
  face: readonly number[] | null;
  voice: readonly number[] | null;
}

export interface MoodEngineOptions {
  fusion?: Partial<FusionOptions>;
  group?: Partial<GroupOptions>;
  /** Injectable clock (ms) for tests. */
  now?: () => number;
  sink?: MoodSampleSink;
  /** The room mood is republished at most this often per room. */
  roomIntervalMs?: number;
}

export class MoodEngine {
  private readonly participants = new Map<string, Participant>();
  private readonly lastRoomEmit = new Map<string, number>();
  /** Active overrides by user id, and the timers that end them. */
  private readonly overrides = new Map<string, MoodOverride>();
  private readonly overrideTimers = new Map<string, NodeJS.Timeout>();
  private readonly now: () => number;
  private readonly roomIntervalMs: number;

  constructor(
    private readonly events: EventBus,
    private readonly options: MoodEngineOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.roomIntervalMs = options.roomIntervalMs ?? 1000;
    // Known from the moment they join, so an override counts even before (or without) any media.
    events.on('peerJoined', (peer) => {
      const p = this.participant(peer.roomId, peer.participantId, peer.userId, peer.displayName);
      // A user who pinned a mood before joining is in it from the first moment; announced on the
      // next turn, once the joining socket has subscribed to its room's events.
      if (p.userId && this.overrideOf(p.userId)) setImmediate(() => this.announceOverride(peer.participantId));
    });
    events.on('peerLeft', (peer) => this.forget(peer.participantId));
  }

  observe(observation: Observation): FusedMood {
    const t = observation.t ?? this.now();
    const p = this.participant(observation.roomId, observation.participantId, observation.userId);
    p.fusion.push(observation.modality, observation.reading, t);
    p[observation.modality] = observation.reading ? [...observation.reading.probabilities] : null;
    const fused = p.fusion.read(t);
    const event = this.eventFor(observation.participantId, p, fused, t);
    this.events.emit('participantMood', event);
    this.options.sink?.(event.source === 'fused' ? event : { ...event, mood: fused, source: 'fused', override: null });
    this.maybeEmitRoom(p.roomId, t);
    return event.mood;
  }

  /** The participant's mood in effect (their override while one is active). */
  participantMood(participantId: string): FusedMood | undefined {
    const p = this.participants.get(participantId);
    if (!p) return undefined;
    return this.effective(p, p.fusion.last, this.now()).mood;
  }

  /** The room's group mood now (undefined while nobody in it has a confident mood). */
  roomMood(roomId: string, t = this.now()): GroupMood | undefined {
    return groupMood(this.membersOf(roomId, t).map((m) => m.member), this.options.group);
  }

  /**
   * Sets (or with null clears) a user's mood override. It takes effect at once: each of the
   * user's participants is republished with it, and so is the group mood of their rooms, marked
   * as a deliberate change. It ends by itself at `until`.
   */
  setOverride(userId: string, override: { emotion: string; until: number } | null): void {
    const t = this.now();
    const previous = this.overrides.get(userId);
    clearTimeout(this.overrideTimers.get(userId));
    this.overrideTimers.delete(userId);
    const valid = override && isFerLabel(override.emotion) && override.until > t ? { emotion: override.emotion, until: override.until } : null;
    if (valid) {
      this.overrides.set(userId, valid);
      const timer = setTimeout(() => this.setOverride(userId, null), Math.min(valid.until - t, 2 ** 31 - 1));
      timer.unref();
      this.overrideTimers.set(userId, timer);
    } else this.overrides.delete(userId);
    if (previous?.emotion === valid?.emotion && previous?.until === valid?.until) return;
    this.republish(userId, t);
  }

  /** The user's active override, if any. */
  overrideOf(userId: string, t = this.now()): MoodOverride | undefined {
    const o = this.overrides.get(userId);
    return o && o.until > t ? o : undefined;
  }

  forget(participantId: string): void {
    this.participants.delete(participantId);
  }

  /** Stops the override timers (the server is closing). */
  close(): void {
    for (const timer of this.overrideTimers.values()) clearTimeout(timer);
    this.overrideTimers.clear();
  }

  private participant(roomId: string, participantId: string, userId?: string, displayName?: string): Participant {
    let p = this.participants.get(participantId);
    if (!p) {
      p = { fusion: new MoodFusion(this.options.fusion), roomId, face: null, voice: null };
      this.participants.set(participantId, p);
    }
    p.roomId = roomId;
    if (userId) p.userId = userId;
    if (displayName) p.displayName = displayName;
    return p;
  }

  private effective(p: Participant, fused: FusedMood, t: number): { mood: FusedMood; override: MoodOverride | null } {
    const override = p.userId ? this.overrideOf(p.userId, t) : undefined;
    if (!override) return { mood: fused, override: null };
    const point = CIRCUMPLEX[override.emotion];
    return {
      mood: {
        ...fused,
        emotion: override.emotion,
        confidence: 1,
        valence: point.valence,
        arousal: point.arousal,
        probabilities: FER_LABELS.map((label) => (label === override.emotion ? 1 : 0)),
        held: false,
        rule: 'override',
        t,
      },
      override,
    };
  }

  private eventFor(participantId: string, p: Participant, fused: FusedMood, t: number): ParticipantMoodEvent {
    const { mood, override } = this.effective(p, fused, t);
    return {
      roomId: p.roomId,
      participantId,
      ...(p.userId ? { userId: p.userId } : {}),
      mood,
      source: override ? 'override' : 'fused',
      override,
      fused,
      face: p.face,
      voice: p.voice,
    };
  }

  private membersOf(roomId: string, t: number) {
    return [...this.participants.entries()]
      .filter(([, p]) => p.roomId === roomId)
      .map(([participantId, p]) => {
        const override = p.userId ? this.overrideOf(p.userId, t) : undefined;
        if (override) {
          const point = CIRCUMPLEX[override.emotion];
          return {
            member: { participantId, valence: point.valence, arousal: point.arousal, confidence: 1 },
            override: { ...override, participantId, userId: p.userId!, ...(p.displayName ? { displayName: p.displayName } : {}) },
          };
        }
        // last, not read(t): re-reading would count the same reading again as new evidence.
        const m = p.fusion.last;
        const halfLife = p.fusion.options.holdHalfLifeMs;
        const confidence = m.confidence * Math.pow(0.5, Math.max(0, t - m.t) / halfLife);
        return { member: { participantId, valence: m.valence, arousal: m.arousal, confidence }, override: undefined };
      });
  }

  private announceOverride(participantId: string): void {
    const p = this.participants.get(participantId);
    if (!p?.userId || !this.overrideOf(p.userId)) return;
    const t = this.now();
    this.events.emit('participantMood', this.eventFor(participantId, p, p.fusion.last, t));
    this.emitRoom(p.roomId, t, 'override');
  }

  /** The user's participants and their rooms' group moods, now (an override changed). */
  private republish(userId: string, t: number): void {
    const rooms = new Set<string>();
    for (const [participantId, p] of this.participants) {
      if (p.userId !== userId) continue;
      rooms.add(p.roomId);
      this.events.emit('participantMood', this.eventFor(participantId, p, p.fusion.last, t));
    }
    for (const roomId of rooms) this.emitRoom(roomId, t, 'override');
  }

  private maybeEmitRoom(roomId: string, t: number): void {
    const last = this.lastRoomEmit.get(roomId);
    if (last !== undefined && t - last < this.roomIntervalMs) return;
    this.emitRoom(roomId, t);
  }

  private emitRoom(roomId: string, t: number, cause?: 'override'): void {
    const members = this.membersOf(roomId, t);
    let mood = groupMood(members.map((m) => m.member), this.options.group);
    // An override that ends leaves nobody confident: say so, or listeners keep the pinned mood.
    if (!mood && cause) mood = { valence: 0, arousal: 0, emotion: 'neutral', confidence: 0, members: 0, mean: { valence: 0, arousal: 0 }, guardedFor: [] };
    if (!mood) return;
    this.lastRoomEmit.set(roomId, t);
    const overrides = members.flatMap((m) => (m.override ? [m.override] : []));
    this.events.emit('roomMood', { roomId, mood, t, ...(overrides.length ? { overrides } : {}), ...(cause ? { cause } : {}) });
  }
}

function isFerLabel(value: string): value is FerLabel {
  return (FER_LABELS as readonly string[]).includes(value);
}
