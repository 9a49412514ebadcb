/**
 * Account events on the shared EventBus, for the areas that hold live state: signalling drops
 * removed members and closed rooms, streaming stops revoked listener links, music follows
 * strategy and mood overrides.
 */
export interface MoodOverride {
  emotion: string;
  until: string;
}

declare module '../events.js' {
  interface MoodifyEvents {
    /** The owner closed or deleted the room: disconnect everyone in it. */
    roomClosedByOwner: [{ roomId: string }];
    /** The owner removed a member (or a member left): disconnect that user's peers in the room. */
    roomMemberRemoved: [{ roomId: string; userId: string }];
    /** A listener link was revoked: stop serving it. */
    listenerLinkRevoked: [{ roomId: string; linkId: string }];
    userSettingsChanged: [{ userId: string; strategy: string; moodOverride: MoodOverride | null }];
    /** The user's history (or whole account) was deleted: drop anything cached for them. */
    userDataDeleted: [{ userId: string; account: boolean }];
  }
}
