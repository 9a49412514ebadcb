/**
 * The in-process event bus between areas that must not import each other backwards
 * (media → models → mood → music → stream). Producers emit, consumers subscribe; payloads are
 * plain data. Each area adds its events to MoodifyEvents.
 */
import { EventEmitter } from 'node:events';
import type { TrackStartedEvent } from './stream/room-stream.js';
import type { ParticipantMoodEvent, RoomMoodEvent } from './mood/engine.js';

export interface PeerInfo {
  roomId: string;
  participantId: string;
  userId?: string;
  displayName: string;
}

export interface MoodifyEvents {
  /** A participant joined / left a room's media session (signalling). */
  peerJoined: [PeerInfo];
  peerLeft: [PeerInfo];
  /** Stream engine (server/stream/): a pick became audible in a room's stream; a stream started / stopped. */
  trackStarted: [TrackStartedEvent];
  streamStarted: [{ roomId: string }];
  streamStopped: [{ roomId: string }];
  /** Mood engine (server/mood/): a participant's fused mood after each reading; a room's group mood (≤ 1/s). */
  participantMood: [ParticipantMoodEvent];
  roomMood: [RoomMoodEvent];
}

export class EventBus extends EventEmitter<MoodifyEvents> {
  constructor() {
    super();
    // Many rooms and dashboards subscribe; the default warning at 10 listeners is noise here.
    this.setMaxListeners(0);
  }
}
