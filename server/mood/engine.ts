/**
 * The mood engine: one MoodFusion per participant, a group mood per room, both published on the
 * event bus (`participantMood`, `roomMood`) for the dashboard, the recommender and the stream.
 * The models feed it through observe(); every fused reading can also go to a sample sink
 * (server/persistence/emotion-sample-writer.ts) that must not block.
 */
import type { EventBus } from '../events.js';
import { MoodFusion, type FusionOptions } from './fusion.js';
import { groupMood, type GroupMood, type GroupOptions } from './group.js';
import type { FusedMood, Modality, ModalityReading } from './types.js';

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
  mood: FusedMood;
  /** The latest per-modality probabilities that went into it (null when absent). */
  face: readonly number[] | null;
  voice: readonly number[] | null;
}

export interface RoomMoodEvent {
  roomId: string;
  mood: GroupMood;
  t: number;
}

export type MoodSampleSink = (event: ParticipantMoodEvent) => void;

interface Participant {
  fusion: MoodFusion;
  roomId: string;
  userId?: string;
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
  private readonly now: () => number;
  private readonly roomIntervalMs: number;

  constructor(
    private readonly events: EventBus,
    private readonly options: MoodEngineOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.roomIntervalMs = options.roomIntervalMs ?? 1000;
    events.on('peerLeft', (peer) => this.forget(peer.participantId));
  }

  observe(observation: Observation): FusedMood {
    const t = observation.t ?? this.now();
    const key = observation.participantId;
    let p = this.participants.get(key);
    if (!p) {
      p = { fusion: new MoodFusion(this.options.fusion), roomId: observation.roomId, face: null, voice: null };
      this.participants.set(key, p);
    }
    p.roomId = observation.roomId;
    if (observation.userId) p.userId = observation.userId;
    p.fusion.push(observation.modality, observation.reading, t);
    p[observation.modality] = observation.reading ? [...observation.reading.probabilities] : null;
    const mood = p.fusion.read(t);
    const event: ParticipantMoodEvent = {
      roomId: p.roomId,
      participantId: key,
      ...(p.userId ? { userId: p.userId } : {}),
      mood,
      face: p.face,
      voice: p.voice,
    };
    this.events.emit('participantMood', event);
    this.options.sink?.(event);
    this.maybeEmitRoom(p.roomId, t);
    return mood;
  }

  participantMood(participantId: string): FusedMood | undefined {
    return this.participants.get(participantId)?.fusion.last;
  }

  /** The room's group mood now (undefined while nobody in it has a confident mood). */
  roomMood(roomId: string, t = this.now()): GroupMood | undefined {
    const members = [...this.participants.entries()]
      .filter(([, p]) => p.roomId === roomId)
      .map(([participantId, p]) => {
        // last, not read(t): re-reading would count the same reading again as new evidence.
        const m = p.fusion.last;
        const halfLife = p.fusion.options.holdHalfLifeMs;
        const confidence = m.confidence * Math.pow(0.5, Math.max(0, t - m.t) / halfLife);
        return { participantId, valence: m.valence, arousal: m.arousal, confidence };
      });
    return groupMood(members, this.options.group);
  }

  forget(participantId: string): void {
    this.participants.delete(participantId);
  }

  private maybeEmitRoom(roomId: string, t: number): void {
    const last = this.lastRoomEmit.get(roomId);
    if (last !== undefined && t - last < this.roomIntervalMs) return;
    const mood = this.roomMood(roomId, t);
    if (!mood) return;
    this.lastRoomEmit.set(roomId, t);
    this.events.emit('roomMood', { roomId, mood, t });
  }
}
