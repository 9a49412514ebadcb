/**
 * Rooms, membership, invite links and listener links. Order of checks on every route with a
 * :roomId: authentication (401), the room exists (404), the caller's role suffices (403); so
 * the statuses in ACCESS.md hold whatever the body says. Closed rooms stay readable by their
 * members (history), but take no new invites, links or joins (409 / 404).
 */
import { randomBytes } from 'node:crypto';

import { type Static, Type } from '@sinclair/typebox';
import { and, asc, eq, isNull, sql } from 'drizzle-orm';
import type { FastifyInstance, FastifyPluginAsync, FastifyRequest } from 'fastify';

import { listenerLinks, roomInvites, roomMemberships, rooms, users } from '../../../sql/schema.js';
import { conflict, forbidden, HttpError, notFound } from '../../http/http-error.js';
import { cleanName } from '../display-names.js';
import { readHistory, roomScope } from '../history-queries.js';
import { createInvite, type RoomRole } from '../invites.js';
import { hashOpaqueToken, newOpaqueToken } from '../opaque-tokens.js';
import { requireAccount } from '../request-auth.js';
import { authorizeListener, requireRoomRole, type RoomRow } from '../room-access.js';
import { bearerToken } from '../tokens.js';
import { isUuid } from '../users.js';
import { HistoryQuery } from './me.js';

const RoomName = Type.String({ minLength: 1, maxLength: 80, pattern: '\\S' });
// Path parameters arrive as strings and each route checks them itself (isUuid, the room-id rule).
type RoomParams = { roomId: string };
type MemberParams = { roomId: string; userId: string };
type InviteParams = { roomId: string; inviteId: string };
type LinkParams = { roomId: string; linkId: string };
const CreateRoomBody = Type.Object({ name: RoomName }, { additionalProperties: false });
const CreateInviteBody = Type.Object(
  {
    expiresInHours: Type.Integer({ minimum: 1, maximum: 720, default: 72 }),
    maxUses: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
  },
  { additionalProperties: false },
);
const CreateLinkBody = Type.Object({ label: Type.Optional(Type.String({ maxLength: 80 })) }, { additionalProperties: false });
const ListenerQuery = Type.Object({ token: Type.Optional(Type.String({ maxLength: 200 })) });

/** Open rooms one account may own at a time. */
export const MAX_OPEN_ROOMS_PER_USER = 10;

/** Room names are shown to every member: cleaned like display names; nothing visible left is a 400. */
function roomName(raw: string): string {
  const name = cleanName(raw, 80);
  if (!name) throw new HttpError(400, 'the room name needs at least one visible character');
  return name;
}

function slugFor(name: string): string {
  const base =
    name
      .toLowerCase()
      .normalize('NFKD')
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '')
      .slice(0, 40) || 'room';
  return `${base}-${randomBytes(4).toString('hex')}`;
}

function roomView(room: RoomRow, role: RoomRole) {
  return {
    id: room.id,
    slug: room.slug,
    name: room.name,
    ownerId: room.ownerId,
    role,
    createdAt: room.createdAt.toISOString(),
    closedAt: room.closedAt?.toISOString() ?? null,
  };
}

export const roomRoutes: FastifyPluginAsync = async (app: FastifyInstance) => {
  const { database, events } = app.services;
  const db = database.db;

  /** 401 → 404 → 403, in that order. */
  const access = (request: FastifyRequest<{ Params: { roomId: string } }>, minimum: RoomRole) =>
    requireRoomRole(app, request, request.params.roomId, minimum);

  function mustBeOpen(room: RoomRow): void {
    if (room.closedAt) throw conflict('the room is closed');
  }

  app.post<{ Body: Static<typeof CreateRoomBody> }>('/', { schema: { body: CreateRoomBody } }, async (request, reply) => {
    const { user, guest } = await requireAccount(app, request);
    if (guest) throw forbidden('guests cannot create rooms; sign up first');
    const name = roomName(request.body.name);
    const [open] = await db
      .select({ n: sql<number>`count(*)::int` })
      .from(rooms)
      .where(and(eq(rooms.ownerId, user.id), isNull(rooms.closedAt)));
    // Each open room may carry a live stream (two ffmpeg processes): one account cannot start dozens.
    if ((open?.n ?? 0) >= MAX_OPEN_ROOMS_PER_USER) throw conflict(`you have ${MAX_OPEN_ROOMS_PER_USER} open rooms; close one first`);
    const room = await db.transaction(async (tx) => {
      const [created] = await tx
        .insert(rooms)
        .values({ name, slug: slugFor(name), ownerId: user.id })
        .returning();
      await tx.insert(roomMemberships).values({ roomId: created!.id, userId: user.id, role: 'owner' });
      return created!;
    });
    return reply.code(201).send(roomView(room, 'owner'));
  });

  app.get('/', async (request) => {
    const { user } = await requireAccount(app, request);
    const rows = await db
      .select({ room: rooms, role: roomMemberships.role })
      .from(roomMemberships)
      .innerJoin(rooms, eq(rooms.id, roomMemberships.roomId))
      .where(eq(roomMemberships.userId, user.id))
      .orderBy(asc(rooms.createdAt));
    return rows.map((r) => roomView(r.room, r.role as RoomRole));
  });

  app.get<{ Params: RoomParams }>('/:roomId', async (request) => {
    const { room, role } = await access(request, 'guest');
    return roomView(room, role);
  });

  app.patch<{ Params: RoomParams; Body: Static<typeof CreateRoomBody> }>(
    '/:roomId',
    { schema: { body: CreateRoomBody } },
    async (request) => {
      const { room } = await access(request, 'owner');
      mustBeOpen(room);
      const [updated] = await db
        .update(rooms)
        .set({ name: roomName(request.body.name) })
        .where(eq(rooms.id, room.id))
        .returning();
      return roomView(updated!, 'owner');
    },
  );

  /** Closing keeps the room's history readable; nobody can join, listen or be invited any more. */
  app.post<{ Params: RoomParams }>('/:roomId/close', async (request, reply) => {
    const { room } = await access(request, 'owner');
    if (!room.closedAt) await db.update(rooms).set({ closedAt: new Date() }).where(eq(rooms.id, room.id));
    events.emit('roomClosedByOwner', { roomId: room.id });
    return reply.code(204).send();
  });

  /** Deleting removes the room with its memberships, invites and links. */
  app.delete<{ Params: RoomParams }>('/:roomId', async (request, reply) => {
    const { room } = await access(request, 'owner');
    await db.delete(rooms).where(eq(rooms.id, room.id));
    events.emit('roomClosedByOwner', { roomId: room.id });
    return reply.code(204).send();
  });

  app.get<{ Params: RoomParams }>('/:roomId/members', async (request) => {
    const { room } = await access(request, 'guest');
    const rows = await db
      .select({ userId: users.id, displayName: users.displayName, role: roomMemberships.role, joinedAt: roomMemberships.joinedAt })
      .from(roomMemberships)
      .innerJoin(users, eq(users.id, roomMemberships.userId))
      .where(eq(roomMemberships.roomId, room.id))
      .orderBy(asc(roomMemberships.joinedAt));
    return rows.map((r) => ({ ...r, joinedAt: r.joinedAt.toISOString() }));
  });

  /** The owner removes anyone else; anyone else may remove only themselves (leave). */
  app.delete<{ Params: MemberParams }>('/:roomId/members/:userId', async (request, reply) => {
    const { account, room, role } = await access(request, 'guest');
    const target = request.params.userId;
    const self = target === account.user.id;
    if (!self && role !== 'owner') throw forbidden('only the room owner may remove other members');
    if (self && role === 'owner') throw conflict('the owner cannot leave their own room; close or delete it instead');
    if (!isUuid(target)) throw notFound('no such member');
    const removed = await db
      .delete(roomMemberships)
      .where(and(eq(roomMemberships.roomId, room.id), eq(roomMemberships.userId, target)))
      .returning({ userId: roomMemberships.userId });
    if (removed.length === 0) throw notFound('no such member');
    events.emit('roomMemberRemoved', { roomId: room.id, userId: target });
    return reply.code(204).send();
  });

  app.post<{ Params: RoomParams; Body: Static<typeof CreateInviteBody> }>(
    '/:roomId/invites',
    { schema: { body: CreateInviteBody } },
    async (request, reply) => {
      const { account, room } = await access(request, 'owner');
      mustBeOpen(room);
      const invite = await createInvite(db, {
        roomId: room.id,
        createdBy: account.user.id,
        expiresInHours: request.body.expiresInHours,
        maxUses: request.body.maxUses,
      });
      // The token appears in this answer only; the database keeps its hash.
      return reply.code(201).send({
        id: invite.id,
        token: invite.token,
        url: `/#invite=${invite.token}`,
        expiresAt: invite.expiresAt.toISOString(),
        maxUses: invite.maxUses,
      });
    },
  );

  app.get<{ Params: RoomParams }>('/:roomId/invites', async (request) => {
    const { room } = await access(request, 'owner');
    const rows = await db.select().from(roomInvites).where(eq(roomInvites.roomId, room.id)).orderBy(asc(roomInvites.createdAt));
    return rows.map((r) => ({
      id: r.id,
      createdAt: r.createdAt.toISOString(),
      expiresAt: r.expiresAt.toISOString(),
      maxUses: r.maxUses,
      uses: r.uses,
      revokedAt: r.revokedAt?.toISOString() ?? null,
    }));
  });

  app.delete<{ Params: InviteParams }>('/:roomId/invites/:inviteId', async (request, reply) => {
    const { room } = await access(request, 'owner');
    if (!isUuid(request.params.inviteId)) throw notFound('no such invite');
    const revoked = await db
      .update(roomInvites)
      .set({ revokedAt: sql`coalesce(${roomInvites.revokedAt}, now())` })
      .where(and(eq(roomInvites.id, request.params.inviteId), eq(roomInvites.roomId, room.id)))
      .returning({ id: roomInvites.id });
    if (revoked.length === 0) throw notFound('no such invite');
    return reply.code(204).send();
  });

  app.post<{ Params: RoomParams; Body: Static<typeof CreateLinkBody> }>(
    '/:roomId/listener-links',
    { schema: { body: CreateLinkBody } },
    async (request, reply) => {
      const { account, room } = await access(request, 'owner');
      mustBeOpen(room);
      const token = newOpaqueToken();
      const [link] = await db
        .insert(listenerLinks)
        .values({ roomId: room.id, tokenHash: hashOpaqueToken(token), label: request.body.label ?? null, createdBy: account.user.id })
        .returning();
      return reply.code(201).send({
        id: link!.id,
        token,
        label: link!.label,
        url: `/listen/${room.id}?lt=${token}`,
        playlistUrl: `/stream/${room.id}/live.m3u8?lt=${token}`,
        createdAt: link!.createdAt.toISOString(),
      });
    },
  );

  app.get<{ Params: RoomParams }>('/:roomId/listener-links', async (request) => {
    const { room } = await access(request, 'owner');
    const rows = await db.select().from(listenerLinks).where(eq(listenerLinks.roomId, room.id)).orderBy(asc(listenerLinks.createdAt));
    return rows.map((r) => ({
      id: r.id,
      label: r.label,
      createdAt: r.createdAt.toISOString(),
      revokedAt: r.revokedAt?.toISOString() ?? null,
    }));
  });

  app.delete<{ Params: LinkParams }>('/:roomId/listener-links/:linkId', async (request, reply) => {
    const { room } = await access(request, 'owner');
    if (!isUuid(request.params.linkId)) throw notFound('no such listener link');
    const revoked = await db
      .update(listenerLinks)
      .set({ revokedAt: sql`coalesce(${listenerLinks.revokedAt}, now())` })
      .where(and(eq(listenerLinks.id, request.params.linkId), eq(listenerLinks.roomId, room.id)))
      .returning({ id: listenerLinks.id });
    if (revoked.length === 0) throw notFound('no such listener link');
    events.emit('listenerLinkRevoked', { roomId: room.id, linkId: request.params.linkId });
    return reply.code(204).send();
  });

  /**
   * May this request listen to the room? A listener link token (?token=) or a member's Bearer
   * token. The stream area calls authorizeListener() directly; this route exposes the same
   * decision, e.g. for a player to check its link before loading the stream.
   */
  app.get<{ Params: RoomParams; Querystring: Static<typeof ListenerQuery> }>(
    '/:roomId/listener-access',
    { schema: { querystring: ListenerQuery } },
    async (request) => {
      const grant = await authorizeListener(app, {
        roomId: request.params.roomId,
        listenToken: request.query.token,
        accessToken: bearerToken(request.headers.authorization),
      });
      return { roomId: grant.roomId, via: grant.via };
    },
  );

  app.get<{ Params: RoomParams; Querystring: Static<typeof HistoryQuery> }>(
    '/:roomId/history',
    { schema: { querystring: HistoryQuery } },
    async (request) => {
      const { room } = await access(request, 'guest');
      return readHistory(db, roomScope(room.id), request.query);
    },
  );
};
