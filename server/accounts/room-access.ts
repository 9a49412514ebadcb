/**
 * Who may do what in a room. The policy other areas call:
 * - authorizeRoomJoin: may this token join this room's media session (signalling)?
 * - authorizeListener: may this request hear this room's stream (HLS)? Listener links are
 *   revocable; members may always listen.
 * - isRoomMember: for anything pushed to room members (live dashboards).
 * The statuses match server/accounts/ACCESS.md: 401 no/invalid credentials, 404 unknown or closed
 * room, 403 known room but not a member (or a revoked listener link).
 */
import { and, eq } from 'drizzle-orm';
import type { FastifyInstance, FastifyRequest } from 'fastify';

import { listenerLinks, roomMemberships, rooms } from '../../sql/schema.js';
import type { Db } from '../database.js';
import { forbidden, notFound, unauthorized } from '../http/http-error.js';
import { acceptInvite, type RoomRole } from './invites.js';
import { hashOpaqueToken, looksLikeOpaqueToken } from './opaque-tokens.js';
import { type Account, requireAccount } from './request-auth.js';
import { verifyAccessToken } from './tokens.js';
import { findUserById, isUuid } from './users.js';

export type RoomRow = typeof rooms.$inferSelect;

export async function findRoom(db: Db, roomId: string): Promise<RoomRow | undefined> {
  if (!isUuid(roomId)) return undefined;
  const [room] = await db.select().from(rooms).where(eq(rooms.id, roomId));
  return room;
}

export async function roomRole(db: Db, userId: string, roomId: string): Promise<RoomRole | undefined> {
  if (!isUuid(userId) || !isUuid(roomId)) return undefined;
  const [row] = await db
    .select({ role: roomMemberships.role })
    .from(roomMemberships)
    .where(and(eq(roomMemberships.roomId, roomId), eq(roomMemberships.userId, userId)));
  return row?.role as RoomRole | undefined;
}

export async function isRoomMember(app: FastifyInstance, userId: string, roomId: string): Promise<boolean> {
  return (await roomRole(app.services.database.db, userId, roomId)) !== undefined;
}

export interface RoomJoinIdentity {
  userId: string;
  displayName: string;
  role: RoomRole;
}

/**
 * `token` is either an access token (the user must be a member of the open room) or an invite
 * token for this room (admits a new guest under `displayName`; clients normally accept the
 * invite over HTTP first and join with the access token they get back).
 */
export async function authorizeRoomJoin(
  app: FastifyInstance,
  request: { token?: string | undefined; roomId: string; displayName?: string | undefined; guestUserId?: string | undefined },
): Promise<RoomJoinIdentity> {
  const db = app.services.database.db;
  if (!request.token) throw unauthorized('joining a room needs an access token or an invite token');
  if (looksLikeOpaqueToken(request.token)) {
    const room = await findRoom(db, request.roomId);
    if (!room || room.closedAt) throw notFound('room not found or closed');
    // The same socket joining again with the same invite: the guest it already became, while still a member.
    if (request.guestUserId) {
      const role = await roomRole(db, request.guestUserId, room.id);
      const guest = role && (await findUserById(db, request.guestUserId));
      if (role && guest) return { userId: guest.id, displayName: guest.displayName, role };
    }
    const accepted = await acceptInvite(db, request.token, { roomId: request.roomId, displayName: request.displayName }).catch((err) => {
      throw (err as { statusCode?: number }).statusCode === 404 ? forbidden('invite link not valid for this room') : err;
    });
    return { userId: accepted.userId, displayName: accepted.displayName, role: accepted.role };
  }
  const identity = await verifyAccessToken(app, request.token);
  const room = await findRoom(db, request.roomId);
  if (!room || room.closedAt) throw notFound('room not found or closed');
  const user = await findUserById(db, identity.userId);
  if (!user) throw unauthorized('account no longer exists');
  const role = await roomRole(db, user.id, room.id);
  if (!role) throw forbidden('not a member of this room');
  return { userId: user.id, displayName: user.displayName, role };
}

export type ListenerGrant = { roomId: string; via: 'link'; linkId: string } | { roomId: string; via: 'member'; userId: string };

/**
 * A listener link token (`listenToken`) or a member's access token (`accessToken`). Revoked or
 * unknown links answer 403, so a revoked link stops working on the next request.
 */
export async function authorizeListener(
  app: FastifyInstance,
  request: { roomId: string; listenToken?: string | undefined; accessToken?: string | undefined },
): Promise<ListenerGrant> {
  const db = app.services.database.db;
  if (!request.listenToken && !request.accessToken) throw unauthorized('listening needs a listener link or an access token');
  const room = await findRoom(db, request.roomId);
  if (!room || room.closedAt) throw notFound('room not found or closed');
  if (request.listenToken) {
    if (!looksLikeOpaqueToken(request.listenToken)) throw forbidden('listener link not valid');
    const [link] = await db
      .select()
      .from(listenerLinks)
      .where(and(eq(listenerLinks.tokenHash, hashOpaqueToken(request.listenToken)), eq(listenerLinks.roomId, room.id)));
    if (!link || link.revokedAt) throw forbidden('listener link not valid or revoked');
    return { roomId: room.id, via: 'link', linkId: link.id };
  }
  const identity = await verifyAccessToken(app, request.accessToken);
  const role = await roomRole(db, identity.userId, room.id);
  if (!role) throw forbidden('not a member of this room');
  return { roomId: room.id, via: 'member', userId: identity.userId };
}

const ROLE_RANK: Record<RoomRole, number> = { guest: 0, member: 1, owner: 2 };

export interface RoomAccess {
  account: Account;
  room: RoomRow;
  role: RoomRole;
}

/**
 * For HTTP routes with a room in the path: the caller's account, the room and their role, or an
 * error in the documented order: 401 (no/bad token, deleted account), 404 (unknown room), 403
 * (not a member, or below `minimum`). Closed rooms pass; refuse them yourself where it matters.
 * Usage: `const { account, role } = await requireRoomRole(app, request, request.params.roomId);`
 */
export async function requireRoomRole(
  app: FastifyInstance,
  request: FastifyRequest,
  roomId: string,
  minimum: RoomRole = 'guest',
): Promise<RoomAccess> {
  const db = app.services.database.db;
  const account = await requireAccount(app, request);
  const room = await findRoom(db, roomId);
  if (!room) throw notFound('room not found');
  const role = await roomRole(db, account.user.id, room.id);
  if (!role) throw forbidden('not a member of this room');
  if (ROLE_RANK[role] < ROLE_RANK[minimum]) throw forbidden(`only the room ${minimum} may do this`);
  return { account, room, role };
}
