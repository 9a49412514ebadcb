/**
 * The mood engine: one MoodFusion per participant, a group mood per room, both published on the
 * event bus (`participantMood`, `roomMood`) for the dashboard, the recommender and the stream.
 * The models feed it through observe(); every fused reading can also go to a sample sink
 * (server/mood/emotion-sample-writer.ts) that must not block.
 *
 * A user's mood override (setOverride) replaces what the models sense for every participant of
 * that user until it runs out: the published mood is the pinned emotion (source "override"),
 * the group mood counts it with full confidence, and fusion keeps running underneath so the
 * sensed mood is there again the moment the override ends. The sample sink always gets the
 * sensed mood: history records what was seen and heard, not what was pinned.
 */
import { CIRCUMPLEX } from '../../vocabulary/circumplex.js';
import { FER_LABELS, type FerLabel } from '../../vocabulary/emotions.js';
import type { MemberMoodView, RoomStatus } from '../../vocabulary/live-events.js';
import type { EventBus } from '../events.js';
import { type FusionOptions, MoodFusion } from './fusion.js';
import { DEFAULT_GROUP_OPTIONS, type GroupMood, groupMood, type GroupOptions } from './group.js';
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

/** One member as counted in a room mood: the same instant and the same smoothing as the group (the live event's member mood, with the user id and the name when known). */
export interface MemberMoodSnapshot extends Omit<MemberMoodView, 'displayName'> {
  userId?: string;
  displayName?: string;
}

export interface RoomMoodEvent {
  roomId: string;
  mood: GroupMood;
  t: number;
  /**
   * 'mood': a confident group mood; 'listening': people are in the room but nobody has a confident
   * reading yet (the mood fields are neutral with confidence 0); 'empty': nobody is in the room.
   * Absent means 'mood' (events published by other sources than the engine).
   */
  status?: RoomStatus;
  /** Every member of the room at this instant, counted or not (the engine always sets it). */
  memberMoods?: MemberMoodSnapshot[];
  /** Every counted member is "not sure yet": the group word is only a leaning (the music still follows it). */
  unsure?: boolean;
  /** Members whose mood override counted in this group mood. */
  overrides?: OverrideInGroup[];
  /** 'override': published because an override was set, cleared or ran out (a deliberate change). */
  cause?: 'override';
}

/** The mood fields of a room without a confident mood ('listening' or 'empty'). */
const NO_MOOD: GroupMood = {
  valence: 0,
  arousal: 0,
  emotion: 'neutral',
  confidence: 0,
  members: 0,
  agreeing: 0,
  mean: { valence: 0, arousal: 0 },
  guardedFor: [],
};

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
  /** A room mood held back by the once-per-interval rule: published when the interval ends (the latest state wins). */
  private readonly trailingRoomEmit = new Map<string, { t: number; timer: NodeJS.Timeout }>();
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
      // A user who pinned a mood before joining is in it from the first moment; otherwise the room
      // is "listening" until someone's reading is confident. Announced on the next turn, once the
      // joining socket has subscribed to its room's events.
      setImmediate(() => {
        if (p.userId && this.overrideOf(p.userId)) this.announceOverride(peer.participantId);
        else if (this.participants.has(peer.participantId)) this.emitRoom(peer.roomId, this.now());
      });
    });
    // Whoever is left decides the room's mood at once; the last one out leaves it 'empty'.
    events.on('peerLeft', (peer) => {
      const roomId = this.participants.get(peer.participantId)?.roomId ?? peer.roomId;
      this.forget(peer.participantId);
      this.emitRoom(roomId, this.now());
    });
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
    return groupMood(
      this.membersOf(roomId, t).map((m) => m.member),
      this.options.group,
    );
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
    const valid =
      override && isFerLabel(override.emotion) && override.until > t ? { emotion: override.emotion, until: override.until } : null;
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

  /** Stops the override and trailing-publication timers (the server is closing). */
  close(): void {
    for (const timer of this.overrideTimers.values()) clearTimeout(timer);
    this.overrideTimers.clear();
    for (const { timer } of this.trailingRoomEmit.values()) clearTimeout(timer);
    this.trailingRoomEmit.clear();
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
        // A pinned mood is what the person said: never "not sure".
        unsure: false,
        unsureReason: null,
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
        const who = { participantId, ...(p.userId ? { userId: p.userId } : {}), ...(p.displayName ? { displayName: p.displayName } : {}) };
        if (override) {
          const point = CIRCUMPLEX[override.emotion];
          return {
            member: { participantId, valence: point.valence, arousal: point.arousal, confidence: 1, emotion: override.emotion },
            who,
            source: 'override' as const,
            unsure: false,
            override: { ...override, participantId, userId: p.userId!, ...(p.displayName ? { displayName: p.displayName } : {}) },
          };
        }
        // last, not read(t): re-reading would count the same reading again as new evidence.
        const m = p.fusion.last;
        const halfLife = p.fusion.options.holdHalfLifeMs;
        const confidence = m.confidence * Math.pow(0.5, Math.max(0, t - m.t) / halfLife);
        return {
          member: { participantId, valence: m.valence, arousal: m.arousal, confidence, emotion: m.emotion },
          who,
          source: 'fused' as const,
          unsure: m.unsure,
          override: undefined,
        };
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

  /**
   * At most once per interval; a change inside the interval is published when it ends, so the
   * last state of a burst always goes out (without it, a room mood taken just before the last
   * readings stayed on screen beside members who had moved on: "angry" beside two happy people).
   */
  private maybeEmitRoom(roomId: string, t: number): void {
    // Paced by the engine's clock, not by the readings' timestamps (a burst of readings stamped
    // in the past must not hold the room back for seconds); the snapshot is taken at the reading's t.
    const now = this.now();
    const last = this.lastRoomEmit.get(roomId);
    if (last === undefined || now - last >= this.roomIntervalMs) return this.emitRoom(roomId, t);
    const trailing = this.trailingRoomEmit.get(roomId);
    if (trailing) {
      trailing.t = Math.max(trailing.t, t);
      return;
    }
    const timer = setTimeout(
      () => {
        const due = this.trailingRoomEmit.get(roomId);
        this.trailingRoomEmit.delete(roomId);
        if (due) this.emitRoom(roomId, due.t);
      },
      Math.min(this.roomIntervalMs, Math.max(0, last + this.roomIntervalMs - now)),
    );
    timer.unref();
    this.trailingRoomEmit.set(roomId, { t, timer });
  }

  /**
   * Publishes the room's state from one snapshot: each member's mood and the group mood made
   * from exactly those, at one instant. Nobody there: 'empty'; nobody confident: 'listening'
   * (an override that ends this way says so, or listeners would keep the pinned mood).
   */
  private emitRoom(roomId: string, t: number, cause?: 'override'): void {
    const trailing = this.trailingRoomEmit.get(roomId);
    if (trailing) {
      clearTimeout(trailing.timer);
      this.trailingRoomEmit.delete(roomId);
      t = Math.max(t, trailing.t);
    }
    const members = this.membersOf(roomId, t);
    const group = groupMood(
      members.map((m) => m.member),
      this.options.group,
    );
    const status: RoomStatus = members.length === 0 ? 'empty' : group ? 'mood' : 'listening';
    const minConfidence = this.options.group?.minConfidence ?? DEFAULT_GROUP_OPTIONS.minConfidence;
    const memberMoods: MemberMoodSnapshot[] = members.map((m) => ({
      ...m.who,
      emotion: m.member.emotion,
      confidence: m.member.confidence,
      valence: m.member.valence,
      arousal: m.member.arousal,
      source: m.source,
      counted: m.member.confidence >= minConfidence,
      unsure: m.unsure,
    }));
    const counted = memberMoods.filter((m) => m.counted);
    const unsure = counted.length > 0 && counted.every((m) => m.unsure);
    if (status === 'empty') this.lastRoomEmit.delete(roomId);
    else this.lastRoomEmit.set(roomId, this.now());
    const overrides = members.flatMap((m) => (m.override ? [m.override] : []));
    this.events.emit('roomMood', {
      roomId,
      mood: group ?? NO_MOOD,
      t,
      status,
      memberMoods,
      unsure,
      ...(overrides.length ? { overrides } : {}),
      ...(cause ? { cause } : {}),
    });
  }
}

function isFerLabel(value: string): value is FerLabel {
  return (FER_LABELS as readonly string[]).includes(value);
}
