/**
 * "Show on TV" over HTTP (rules in pairing-codes.ts):
 *   POST   /api/rooms/:roomId/pairing-codes  owner: a fresh code, its URL and a QR code (SVG) of the URL
 *   GET    /api/rooms/:roomId/pairing-codes  owner: the live code, or 404 when there is none
 *   DELETE /api/rooms/:roomId/pairing-codes  owner: cancel the live code
 *   POST   /api/pairing/claim                anyone with a code: a listener link labelled as a paired
 *                                            screen, and its token (the TV keeps it)
 * Paired screens are listener links (label "Paired screen: …"): listed with
 * GET …/listener-links and revoked with DELETE …/listener-links/:linkId like any other.
 */
import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import QRCode from 'qrcode';

import { listenerLinks } from '../../sql/schema.js';
import { hashOpaqueToken, newOpaqueToken } from '../accounts/opaque-tokens.js';
import { findRoom, requireRoomRole } from '../accounts/room-access.js';
import { conflict } from '../http/http-error.js';
import { INVALID_CODE_MESSAGE, PAIRING_CODE_LENGTH, PairingCodes, PairingError, type PairingOptions } from './pairing-codes.js';

declare module 'fastify' {
  interface FastifyInstance {
    pairing: PairingCodes;
  }
}

/** Listener links made by pairing carry this label prefix, so the UI lists them as screens. */
export const PAIRED_SCREEN_LABEL = 'Paired screen';

type RoomParams = { roomId: string };
const ClaimBody = Type.Object(
  {
    code: Type.String({ minLength: 1, maxLength: 20 }),
    /** What the screen calls itself ("Living room TV"), shown in the owner's list. */
    name: Type.Optional(Type.String({ maxLength: 40 })),
  },
  { additionalProperties: false },
);

/** The URL a TV or phone opens to pair: absolute, so a phone's camera app can open it from the QR code. */
function pairUrl(request: FastifyRequest, code: string): string {
  const host = request.headers.host ?? 'localhost';
  return `${request.protocol}://${host}/listen?pair=${code}`;
}

function sendPairingError(reply: FastifyReply, err: PairingError) {
  if (err.retryAfterS) reply.header('retry-after', String(err.retryAfterS));
  return reply.code(err.statusCode).send({ error: err.message });
}

const pairing: FastifyPluginAsync<{ options?: Partial<PairingOptions> }> = async (app: FastifyInstance, opts) => {
  const codes = new PairingCodes(opts.options);
  app.decorate('pairing', codes);
  const db = app.services.database.db;
  // A closed or deleted room's code must not pair anything.
  app.services.events.on('roomClosedByOwner', ({ roomId }) => codes.cancel(roomId));

  const describe = async (request: FastifyRequest, code: { code: string; expiresAt: number }) => ({
    code: code.code,
    expiresAt: new Date(code.expiresAt).toISOString(),
    url: pairUrl(request, code.code),
    qrSvg: await QRCode.toString(pairUrl(request, code.code), { type: 'svg', margin: 1, errorCorrectionLevel: 'M' }),
  });

  app.post<{ Params: RoomParams }>('/api/rooms/:roomId/pairing-codes', async (request, reply) => {
    const { account, room } = await requireRoomRole(app, request, request.params.roomId, 'owner');
    if (room.closedAt) throw conflict('the room is closed');
    try {
      return reply.code(201).send(await describe(request, codes.create(room.id, account.user.id)));
    } catch (err) {
      if (err instanceof PairingError) return sendPairingError(reply, err);
      throw err;
    }
  });

  app.get<{ Params: RoomParams }>('/api/rooms/:roomId/pairing-codes', async (request, reply) => {
    const { room } = await requireRoomRole(app, request, request.params.roomId, 'owner');
    const live = codes.current(room.id);
    if (!live) return reply.code(404).send({ error: 'no pairing code is waiting' });
    return describe(request, live);
  });

  app.delete<{ Params: RoomParams }>('/api/rooms/:roomId/pairing-codes', async (request, reply) => {
    const { room } = await requireRoomRole(app, request, request.params.roomId, 'owner');
    codes.cancel(room.id);
    return reply.code(204).send();
  });

  app.post<{ Body: Static<typeof ClaimBody> }>(
    '/api/pairing/claim',
    // The per-address lockout lives in PairingCodes; this caps raw request volume on top of it.
    { schema: { body: ClaimBody }, config: { rateLimit: { max: 30, timeWindow: '1 minute' } } },
    async (request, reply) => {
      let claimed: { roomId: string; createdBy: string };
      try {
        if (request.body.code.replace(/[\s-]/g, '').length !== PAIRING_CODE_LENGTH) throw new PairingError(404, INVALID_CODE_MESSAGE);
        claimed = codes.claim(request.body.code, request.ip);
      } catch (err) {
        if (err instanceof PairingError) return sendPairingError(reply, err);
        throw err;
      }
      const room = await findRoom(db, claimed.roomId);
      if (!room || room.closedAt) return reply.code(404).send({ error: 'This room was closed, so its code no longer pairs anything.' });
      const name = request.body.name?.trim() || 'TV';
      const token = newOpaqueToken();
      const [link] = await db
        .insert(listenerLinks)
        .values({
          roomId: room.id,
          tokenHash: hashOpaqueToken(token),
          label: `${PAIRED_SCREEN_LABEL}: ${name}`,
          createdBy: claimed.createdBy,
        })
        .returning();
      request.log.info({ roomId: room.id, linkId: link!.id }, 'screen paired');
      return reply
        .code(201)
        .send({ roomId: room.id, roomName: room.name, linkId: link!.id, token, label: link!.label, listenUrl: `/listen/${room.id}` });
    },
  );
};

export const pairingPlugin = fp(pairing, { name: 'moodify-pairing', dependencies: ['moodify-accounts'] });
