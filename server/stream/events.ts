/**
 * The stream engine's events on the shared EventBus (server/events.ts): declared here, beside
 * their producer (stream-manager.ts), so the bus imports no area.
 */
import type { TrackStartedEvent } from './room-stream.js';

declare module '../events.js' {
  interface MoodifyEvents {
    /** A pick became audible in a room's stream. */
    trackStarted: [TrackStartedEvent];
    /** A room's stream started / stopped. */
    streamStarted: [{ roomId: string }];
    streamStopped: [{ roomId: string }];
  }
}
