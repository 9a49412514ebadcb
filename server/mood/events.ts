/**
 * The mood engine's events on the shared EventBus (server/events.ts): declared here, beside their
 * producer, so the bus imports no area and no area's types import the bus back.
 */
import type { ParticipantMoodEvent, RoomMoodEvent } from './engine.js';

declare module '../events.js' {
  interface MoodifyEvents {
    /** A participant's fused mood after each reading. */
    participantMood: [ParticipantMoodEvent];
    /** A room's group mood (≤ 1/s). */
    roomMood: [RoomMoodEvent];
  }
}
