/**
 * Whose strategy (match | lift | calm) steers a room's music: the owner's, from their settings,
 * or, in a room with no owner, the one member present. It is applied once per room while
 * someone is there (at a join, and before a pick), and again when that user changes their
 * strategy. A member's choice for the room (PUT …/strategy) holds until the owner changes theirs.
 */
import { eq } from 'drizzle-orm';

import { rooms } from '../../sql/schema.js';
import { findRoom } from '../accounts/room-access.js';
import { readUserSettings } from '../accounts/user-settings.js';
import { isUuid } from '../accounts/users.js';
import type { Db } from '../database.js';
import type { EventBus } from '../events.js';
import { type MusicDirector, roomSession } from './director.js';
import { STRATEGIES, type Strategy } from './recommender.js';

/**
 * Who is in which room now, as the room registry (server/rooms/room-registry.ts) keeps it: the
 * one record of presence, read as it is rather than rebuilt from join and leave events.
 */
export interface RoomPresence {
  readonly rooms: ReadonlyMap<string, { readonly peers: ReadonlyMap<string, { readonly userId?: string | undefined }> }>;
}

/** The user ids of the people in a room now (undefined for an anonymous one). */
export function peopleIn(presence: RoomPresence, roomId: string): (string | undefined)[] {
  return [...(presence.rooms.get(roomId)?.peers.values() ?? [])].map((peer) => peer.userId);
}

export interface RoomStrategiesDeps {
  events: EventBus;
  db: Db;
  director: MusicDirector;
  presence: RoomPresence;
  log: { warn(obj: object, msg: string): void };
}

export class RoomStrategies {
  /** Rooms whose strategy was applied since someone came in (forgotten when the last one leaves). */
  private readonly applied = new Set<string>();
  /** The strategy last seen per user: settings change for other reasons too (override, consent). */
  private readonly known = new Map<string, string>();

  constructor(private readonly deps: RoomStrategiesDeps) {
    const { events, presence } = deps;
    events.on('peerJoined', ({ roomId }) => void this.apply(roomId));
    events.on('peerLeft', ({ roomId }) => {
      if (peopleIn(presence, roomId).length === 0) this.applied.delete(roomId);
    });
    events.on('userSettingsChanged', ({ userId, strategy }) => this.settingsChanged(userId, strategy));
  }

  /** Once per room: the owner's strategy, else the sole member's. Never rejects (a failure is logged). */
  async apply(roomId: string): Promise<void> {
    try {
      if (this.applied.has(roomId)) return;
      const userId = (await this.ownerOf(roomId)) ?? this.soleUser(roomId);
      if (!userId) return;
      this.applied.add(roomId);
      const { strategy } = await readUserSettings(this.deps.db, userId);
      this.known.set(userId, strategy);
      this.deps.director.setStrategy(roomSession(roomId), strategy);
    } catch (err) {
      this.logError(roomId, err);
    }
  }

  private settingsChanged(userId: string, strategy: string): void {
    // Only a new strategy steers rooms.
    if (this.known.get(userId) === strategy || !(STRATEGIES as readonly string[]).includes(strategy)) return;
    this.known.set(userId, strategy);
    const { db, director, presence } = this.deps;
    (async () => {
      const owned = isUuid(userId) ? await db.select({ id: rooms.id }).from(rooms).where(eq(rooms.ownerId, userId)) : [];
      const targets = new Set(owned.map((r) => r.id));
      for (const roomId of presence.rooms.keys())
        if (this.soleUser(roomId) === userId && !(await this.ownerOf(roomId))) targets.add(roomId);
      for (const roomId of targets) director.setStrategy(roomSession(roomId), strategy as Strategy);
    })().catch((err: unknown) => this.logError(userId, err));
  }

  private async ownerOf(roomId: string): Promise<string | undefined> {
    // A room without an owner (theirs deleted, or an ad-hoc room id) has none.
    return isUuid(roomId) ? ((await findRoom(this.deps.db, roomId))?.ownerId ?? undefined) : undefined;
  }

  private soleUser(roomId: string): string | undefined {
    const people = peopleIn(this.deps.presence, roomId);
    return people.length === 1 ? people[0] : undefined;
  }

  private logError(roomId: string, err: unknown): void {
    this.deps.log.warn({ roomId, err: err instanceof Error ? err.message : String(err) }, 'owner strategy not applied');
  }
}
