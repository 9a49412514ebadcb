/**
 * What a signalling reply says when a request fails, and how to find the request id to answer.
 * Kept apart from the session so the one error map (every thrown thing → one wire code) can be
 * read and changed without wading through the message loop; session.ts only calls it.
 */
import type { FastifyBaseLogger } from 'fastify';

import { MediaError } from '../../media/room-media.js';
import { errorForLog, publicError, scrubPaths } from '../http/errors.js';
import { RoomFullError } from '../rooms/room-registry.js';
import { type Reply, SignallingError } from './protocol.js';

/** The request id, when one can be read, so even a rejected request's reply can be matched. */
export function peekId(message: unknown): number | null {
  if (Buffer.isBuffer(message)) {
    const match = /"id"\s*:\s*(\d{1,15})/.exec(message.subarray(0, 256).toString('latin1'));
    return match ? Number(match[1]) : null;
  }
  if (typeof message === 'object' && message !== null && 'id' in message) {
    const id = (message as { id: unknown }).id;
    if (Number.isSafeInteger(id) && (id as number) >= 0) return id as number;
  }
  return null;
}

export function toWireError(
  err: unknown,
  logger: FastifyBaseLogger,
): { code: Reply['error'] extends infer E ? (E extends { code: infer C } ? C : never) : never; message: string } {
  if (err instanceof SignallingError) return { code: err.code, message: err.message };
  if (err instanceof RoomFullError) return { code: 'room-full', message: err.message };
  if (err instanceof MediaError)
    return { code: err.code === 'unknown-transport' ? 'unknown-transport' : 'media-error', message: err.message };
  const statusCode = (err as { statusCode?: number }).statusCode;
  // Our own refusals (HttpError and the like) carry a status and a sentence written for the client.
  if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500 && err instanceof Error) {
    const message = scrubPaths(err.message);
    if (statusCode === 401) return { code: 'unauthorized', message };
    if (statusCode === 403) return { code: 'forbidden', message };
    if (statusCode === 404) return { code: 'room-not-found', message };
    if (statusCode === 409 || statusCode === 429) return { code: 'limit-reached', message };
    return { code: 'invalid-params', message };
  }
  // mediasoup rejects bad parameters with TypeError / UnsupportedError: the client's fault.
  if (err instanceof TypeError || (err instanceof Error && err.name === 'UnsupportedError')) {
    return { code: 'invalid-params', message: scrubPaths(err.message) };
  }
  // Anything else (a database error, a crash) is logged without its driver detail and answered with a fixed sentence.
  logger.error({ err: errorForLog(err) }, 'unexpected signalling error');
  const mapped = publicError(err);
  if (mapped.statusCode === 503) return { code: 'internal', message: mapped.message };
  return { code: 'internal', message: 'the server could not complete this request' };
}
