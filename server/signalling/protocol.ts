/**
 * The signalling protocol, version 1 (documented in PROTOCOL.md beside this file): JSON text
 * frames over the WebSocket at /ws. Requests carry an id and get exactly one reply with that id;
 * events from the server carry no id. Every request's `data` is validated against its schema.
 */
import { type Static, type TSchema, Type } from '@sinclair/typebox';
import { type TypeCheck, TypeCompiler } from '@sinclair/typebox/compiler';

import { RoomId } from '../rooms/room-id.js';

export const PROTOCOL_VERSION = 1;
/** Larger text frames get a 'too-large' error; frames beyond MAX_FRAME_BYTES close the socket (1009). */
export const MAX_MESSAGE_BYTES = 64 * 1024;
export const MAX_FRAME_BYTES = 1024 * 1024;

const Id = Type.String({ minLength: 1, maxLength: 64 });
const AnyObject = Type.Object({}, { additionalProperties: true });

export const Envelope = Type.Object({
  v: Type.Number(),
  id: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }),
  method: Type.String({ minLength: 1, maxLength: 64 }),
  data: Type.Optional(AnyObject),
});

export const RequestSchemas = {
  join: Type.Object(
    {
      roomId: RoomId,
      displayName: Type.Optional(Type.String({ minLength: 1, maxLength: 80 })),
      /** An access token or a room invite token (accounts). */
      token: Type.Optional(Type.String({ minLength: 1, maxLength: 4096 })),
      /**
       * Which participantMood events this socket wants: 'all' (default) or 'own' (a capture device that
       * shows only its own readings; everyone's mood still arrives in roomMood). A socket that also
       * watches the room gets them all.
       */
      moods: Type.Optional(Type.Union([Type.Literal('all'), Type.Literal('own')])),
    },
    { additionalProperties: false },
  ),
  leave: Type.Object({}, { additionalProperties: false }),
  /** Receive a room's live events without sending media (a dashboard, a TV). */
  watch: Type.Object(
    {
      roomId: RoomId,
      /** An access token (members) or a listener-link token. */
      token: Type.Optional(Type.String({ minLength: 1, maxLength: 4096 })),
    },
    { additionalProperties: false },
  ),
  unwatch: Type.Object({}, { additionalProperties: false }),
  ping: Type.Object({}, { additionalProperties: false }),
  createWebRtcTransport: Type.Object({ direction: Type.Literal('send') }, { additionalProperties: false }),
  createPlainTransport: Type.Object({}, { additionalProperties: false }),
  connectWebRtcTransport: Type.Object(
    {
      transportId: Id,
      dtlsParameters: Type.Object(
        {
          role: Type.Optional(Type.Union([Type.Literal('auto'), Type.Literal('client'), Type.Literal('server')])),
          fingerprints: Type.Array(Type.Object({ algorithm: Type.String({ maxLength: 32 }), value: Type.String({ maxLength: 256 }) }), {
            minItems: 1,
            maxItems: 8,
          }),
        },
        { additionalProperties: false },
      ),
    },
    { additionalProperties: false },
  ),
  produce: Type.Object(
    {
      transportId: Id,
      kind: Type.Union([Type.Literal('audio'), Type.Literal('video')]),
      rtpParameters: Type.Object(
        {
          codecs: Type.Array(AnyObject, { minItems: 1, maxItems: 16 }),
          encodings: Type.Optional(Type.Array(AnyObject, { maxItems: 8 })),
          headerExtensions: Type.Optional(Type.Array(AnyObject, { maxItems: 32 })),
          rtcp: Type.Optional(AnyObject),
          mid: Type.Optional(Type.String({ maxLength: 32 })),
          msid: Type.Optional(Type.String({ maxLength: 128 })),
        },
        // mediasoup validates the rest; newer clients add fields.
        { additionalProperties: true, maxProperties: 12 },
      ),
    },
    { additionalProperties: false },
  ),
  pauseProducer: Type.Object({ producerId: Id }, { additionalProperties: false }),
  resumeProducer: Type.Object({ producerId: Id }, { additionalProperties: false }),
  closeProducer: Type.Object({ producerId: Id }, { additionalProperties: false }),
} satisfies Record<string, TSchema>;

export type Method = keyof typeof RequestSchemas;
export type RequestData<M extends Method> = Static<(typeof RequestSchemas)[M]>;

export const requestCheckers = Object.fromEntries(
  Object.entries(RequestSchemas).map(([method, schema]) => [method, TypeCompiler.Compile(schema)]),
) as { [M in Method]: TypeCheck<(typeof RequestSchemas)[M]> };
export const envelopeChecker = TypeCompiler.Compile(Envelope);

export function isMethod(name: string): name is Method {
  return Object.hasOwn(RequestSchemas, name);
}

export type ErrorCode =
  | 'bad-json'
  | 'bad-envelope'
  | 'unsupported-version'
  | 'too-large'
  | 'unknown-method'
  | 'invalid-params'
  | 'rate-limited'
  | 'not-joined'
  | 'already-joined'
  | 'already-watching'
  | 'unauthorized'
  | 'forbidden'
  | 'room-not-found'
  | 'room-full'
  | 'limit-reached'
  | 'unknown-transport'
  | 'unknown-producer'
  | 'media-error'
  | 'cluster-unavailable'
  | 'internal';

export class SignallingError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'SignallingError';
  }
}

export interface Reply {
  v: typeof PROTOCOL_VERSION;
  id: number | null;
  ok: boolean;
  data?: unknown;
  error?: { code: ErrorCode; message: string };
}
