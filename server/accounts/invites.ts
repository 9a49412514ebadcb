/**
 * Invite links: an owner creates one for a room; whoever holds its token may join the room, as a
 * guest (no account) or, when signed in, as a member. Invites expire, may be limited in uses and
 * can be revoked.
 */
import { and, eq, gt, isNull, or, sql } from 'drizzle-orm';

import { roomInvites, roomMemberships, rooms } from '../../sql/schema.js';
import type { Db } from '../database.js';
import { conflict, forbidden, notFound } from '../http/http-error.js';
import { guestDisplayName } from './display-names.js';
import { hashOpaqueToken, looksLikeOpaqueToken, newOpaqueToken } from './opaque-tokens.js';
import { createGuestUser, findUserById } from './users.js';

export type RoomRole = 'owner' | 'member' | 'guest';

export async function createInvite(
  db: Db,
  options: { roomId: string; createdBy: string; expiresInHours: number; maxUses?: number | undefined },
): Promise<{ id: string; token: string; expiresAt: Date; maxUses: number | null }> {
  const token = newOpaqueToken();
  const expiresAt = new Date(Date.now() + options.expiresInHours * 3_600_000);
  const [row] = await db
    .insert(roomInvites)
    .values({
      roomId: options.roomId,
      createdBy: options.createdBy,
      tokenHash: hashOpaqueToken(token),
      expiresAt,
      maxUses: options.maxUses ?? null,
    })
    .returning();
  return { id: row!.id, token, expiresAt, maxUses: row!.maxUses };
}

export interface AcceptedInvite {
  roomId: string;
  userId: string;
  displayName: string;
  role: RoomRole;
  /** A guest account was created for this acceptance. */
  guestCreated: boolean;
}

/**
 * Uses an invite. `userId` set: that signed-in user becomes a member (an existing membership is
 * kept as it is and uses no invite). Unset: a guest account is created under `displayName`.
 * `roomId`, when given, must match the invite's room. Invalid, expired, used-up or revoked
 * invites and closed rooms answer 404, so a guessed token learns nothing.
 */
export async function acceptInvite(
  db: Db,
  token: unknown,
  options: { userId?: string | undefined; displayName?: string | undefined; roomId?: string | undefined },
): Promise<AcceptedInvite> {
  if (!looksLikeOpaqueToken(token)) throw notFound('invite link not valid');
  const [invite] = await db
    .select({ invite: roomInvites, closedAt: rooms.closedAt })
    .from(roomInvites)
    .innerJoin(rooms, eq(rooms.id, roomInvites.roomId))
    .where(eq(roomInvites.tokenHash, hashOpaqueToken(token)));
  if (!invite || invite.closedAt || invite.invite.revokedAt || invite.invite.expiresAt <= new Date()) {
    throw notFound('invite link not valid, expired or revoked');
  }
  const roomId = invite.invite.roomId;
  if (options.roomId !== undefined && options.roomId !== roomId) throw forbidden('this invite is for another room');

  if (options.userId) {
    const user = await findUserById(db, options.userId);
    if (!user) throw notFound('user not found');
    const [existing] = await db
      .select()
      .from(roomMemberships)
      .where(and(eq(roomMemberships.roomId, roomId), eq(roomMemberships.userId, user.id)));
    if (existing) return { roomId, userId: user.id, displayName: user.displayName, role: existing.role as RoomRole, guestCreated: false };
    const role: RoomRole = user.passwordHash === null ? 'guest' : 'member';
    // One transaction: a use is spent only if the membership is really made.
    await db.transaction(async (tx) => {
      const t = tx as unknown as Db;
      await claimUse(t, invite.invite.id, roomId);
      await t.insert(roomMemberships).values({ roomId, userId: user.id, role }).onConflictDoNothing();
    });
    return { roomId, userId: user.id, displayName: user.displayName, role, guestCreated: false };
  }

  const displayName = guestDisplayName(options.displayName);
  const guest = await db.transaction(async (tx) => {
    const t = tx as unknown as Db;
    await claimUse(t, invite.invite.id, roomId);
    const created = await createGuestUser(t, displayName);
    await t.insert(roomMemberships).values({ roomId, userId: created.id, role: 'guest' });
    return created;
  });
  return { roomId, userId: guest.id, displayName, role: 'guest', guestCreated: true };
}

/** Members a room may have (owner, members and guests together): invites stop working beyond it. */
export const MAX_ROOM_MEMBERS = 200;

/** One atomic increment, so two people racing for the last use cannot both get in. */
async function claimUse(db: Db, inviteId: string, roomId: string): Promise<void> {
  const [members] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(roomMemberships)
    .where(eq(roomMemberships.roomId, roomId));
  if ((members?.n ?? 0) >= MAX_ROOM_MEMBERS) throw conflict(`the room has its maximum of ${MAX_ROOM_MEMBERS} members`);
  const claimed = await db
    .update(roomInvites)
    .set({ uses: sql`${roomInvites.uses} + 1` })
    .where(
      and(
        eq(roomInvites.id, inviteId),
        isNull(roomInvites.revokedAt),
        gt(roomInvites.expiresAt, new Date()),
        or(isNull(roomInvites.maxUses), gt(roomInvites.maxUses, roomInvites.uses)),
      ),
    )
    .returning({ id: roomInvites.id });
  if (claimed.length === 0) throw notFound('invite link not valid, expired or revoked');
}
