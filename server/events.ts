/**
 * The in-process event bus between areas that must not import each other backwards
 * (media → models → mood → music → stream). Producers emit, consumers subscribe; payloads are
 * plain data. Each area declares its own events in MoodifyEvents, beside their producer
 * (`declare module '../events.js'` in accounts/events.ts, mood/events.ts, stream/events.ts,
 * music/now-playing.ts, analysis/pipeline.ts), so this module imports no area.
 */
import { EventEmitter } from 'node:events';

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
}

export class EventBus extends EventEmitter<MoodifyEvents> {
  constructor() {
    super();
    // Many rooms and dashboards subscribe; the default warning at 10 listeners is noise here.
    this.setMaxListeners(0);
  }
}
