/**
 * Steering a room's music by destination (MUSIC.md, "Steering"):
 *   POST   /api/music/rooms/:roomId/queue        { trackId }                     plays it next
 *   PUT    /api/music/rooms/:roomId/destination  { valence, arousal, minutes, label? }
 *   DELETE /api/music/rooms/:roomId/destination
 * Room members only, as for the strategy route (401 no token, 404 unknown room, 403 not a member).
 */
import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';

import { nearestEmotion } from '../../vocabulary/circumplex.js';
import { requireRoomRole } from '../accounts/room-access.js';
import { RoomId } from '../rooms/room-id.js';
import { type MusicDirector, roomSession } from './director.js';
import { journeyView } from './journey.js';
import type { MoodReading } from './recommender.js';
import type { RoomSwitcher } from './switch-policy.js';

const RoomParams = Type.Object({ roomId: RoomId });
const QueueBody = Type.Object({ trackId: Type.String({ minLength: 1, maxLength: 64 }) }, { additionalProperties: false });
export const DestinationBody = Type.Object(
  {
    valence: Type.Number({ minimum: -1, maximum: 1 }),
    arousal: Type.Number({ minimum: -1, maximum: 1 }),
    minutes: Type.Number({ minimum: 1, maximum: 180 }),
    // Said in sentences ("Step two of five towards calm"): words only, no markup, no numbers.
    label: Type.Optional(Type.String({ minLength: 1, maxLength: 40, pattern: "^[\\p{L}][\\p{L} '-]*$" })),
  },
  { additionalProperties: false },
);

/** What a destination is called when the request names none: the mood word nearest the point. */
const POINT_WORDS: Record<string, string> = {
  happy: 'cheerful',
  sad: 'melancholy',
  angry: 'intense',
  fear: 'tense',
  disgust: 'dark',
  surprise: 'excited',
  neutral: 'neutral',
};

export interface SteeringDeps {
  director: MusicDirector;
  switcher: RoomSwitcher;
  roomMood(roomId: string): MoodReading;
  now?: () => number;
}

export async function steeringRoutes(app: FastifyInstance, deps: SteeringDeps): Promise<void> {
  const { director, switcher } = deps;
  const now = deps.now ?? Date.now;

  app.post<{ Params: Static<typeof RoomParams>; Body: Static<typeof QueueBody> }>(
    '/api/music/rooms/:roomId/queue',
    { schema: { params: RoomParams, body: QueueBody } },
    async (request, reply) => {
      const { roomId } = request.params;
      const { account } = await requireRoomRole(app, request, roomId, 'member');
      if (director.catalogSize === 0) await director.reloadCatalog();
      // UnknownTrackError → 404 (the error handler of the music routes, routes.ts).
      const track = director.queueTrack(roomSession(roomId), request.body.trackId, account.user.displayName);
      switcher.steer(roomId, { kind: 'queued', by: account.user.displayName });
      const remaining = director.dwellRemainingMs(roomSession(roomId));
      return reply.code(202).send({ roomId, trackId: track.trackId, title: track.title, playsAfter: now() + remaining });
    },
  );

  app.put<{ Params: Static<typeof RoomParams>; Body: Static<typeof DestinationBody> }>(
    '/api/music/rooms/:roomId/destination',
    { schema: { params: RoomParams, body: DestinationBody } },
    async (request) => {
      const { roomId } = request.params;
      await requireRoomRole(app, request, roomId, 'member');
      const { valence, arousal, minutes } = request.body;
      const label = request.body.label?.trim() || POINT_WORDS[nearestEmotion({ valence, arousal })]!;
      // From where the room is now: its mood, or where the music already is when nobody can be read.
      const mood = deps.roomMood(roomId);
      const current = director.currentTrack(roomSession(roomId));
      const from = mood.confidence > 0 || !current ? mood : current;
      const journey = director.setDestination(roomSession(roomId), { valence, arousal, minutes, label }, from);
      switcher.journeyStarted(roomId);
      return { roomId, journey: journeyView(journey, now()) };
    },
  );

  app.delete<{ Params: Static<typeof RoomParams> }>(
    '/api/music/rooms/:roomId/destination',
    { schema: { params: RoomParams } },
    async (request) => {
      const { roomId } = request.params;
      await requireRoomRole(app, request, roomId, 'member');
      const cleared = director.clearDestination(roomSession(roomId));
      switcher.journeyEnded(roomId);
      return { roomId, journey: null, cleared };
    },
  );
}
