/**
 * Mounts signalling at /ws and owns the live rooms. Registered by server/app.ts.
 */
import websocket from '@fastify/websocket';
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';

import { closeSpareDecoders, resetDecoderLauncher } from '../../media/ingest/decoder-launcher.js';
import { IngestMetrics } from '../../media/ingest/metrics.js';
import { looksLikeOpaqueToken } from '../accounts/opaque-tokens.js';
import { authorizeListener, authorizeRoomJoin } from '../accounts/room-access.js';
import { unauthorized } from '../http/http-error.js';
import { LiveHub } from '../live/live-hub.js';
import { RoomRegistry } from '../rooms/room-registry.js';
import { MAX_FRAME_BYTES } from './protocol.js';
import { type AuthorizeJoin, type AuthorizeWatch, SignallingSession } from './session.js';

declare module 'fastify' {
  interface FastifyInstance {
    rooms: RoomRegistry;
    /** Live events for joined and watching sockets (server/live/live-hub.ts). */
    live: LiveHub;
  }
}

export interface SignallingOptions {
  /** Who may join which room (default: accountsJoinPolicy). */
  authorizeJoin?: AuthorizeJoin;
  /** Who may watch which room's live events (default: as listening to its stream). */
  authorizeWatch?: AuthorizeWatch;
}

/** Anyone may join any room under the name they give: only with ALLOW_ANONYMOUS_ROOMS=true. */
export const openRoomPolicy: AuthorizeJoin = async ({ displayName }) => ({ displayName: displayName ?? 'Guest', role: 'guest' });

const signalling: FastifyPluginAsync<SignallingOptions> = async (app, options) => {
  const { config, workers, registry: metricsRegistry, events } = app.services;
  const analysis = { fps: config.ANALYSIS_FPS, width: config.ANALYSIS_WIDTH, height: config.ANALYSIS_HEIGHT };
  const rooms = new RoomRegistry({
    workers,
    network: {
      listenIp: config.MEDIASOUP_LISTEN_IP,
      announcedIp: config.MEDIASOUP_ANNOUNCED_IP,
      minPort: config.RTC_MIN_PORT,
      maxPort: config.RTC_MAX_PORT,
    },
    analysis,
    metrics: new IngestMetrics(metricsRegistry),
    events,
    logger: app.log,
    maxParticipants: config.ROOM_MAX_PARTICIPANTS,
  });
  app.decorate('rooms', rooms);
  const live = new LiveHub(events, rooms);
  app.decorate('live', live);
  // Accounts decide membership; live peers follow at once.
  events.on('roomClosedByOwner', ({ roomId }) => void rooms.evict(roomId, 'the owner closed the room'));
  events.on(
    'roomMemberRemoved',
    ({ roomId, userId }) => void rooms.evict(roomId, 'you were removed from the room', (peer) => peer.userId === userId),
  );
  // Before the workers go: kill decoders and close transports while the channel is still up.
  app.addHook('preClose', async () => {
    for (const client of app.websocketServer?.clients ?? []) client.terminate();
    live.close();
    await rooms.close();
    await closeSpareDecoders();
  });
  resetDecoderLauncher();

  await app.register(websocket, { options: { maxPayload: MAX_FRAME_BYTES } });
  // A token (access or invite) is checked against room membership; without one, only where
  // anonymous rooms are allowed (kiosks, demos, the test suite).
  const authorizeJoin: AuthorizeJoin =
    options.authorizeJoin ??
    (async (request) => {
      if (request.token || !config.ALLOW_ANONYMOUS_ROOMS) return authorizeRoomJoin(app, request);
      return openRoomPolicy(request);
    });
  // Watching is listening plus the mood: a member's access token or a listener link, as for the
  // stream; without a token only where anonymous rooms are allowed.
  const authorizeWatch: AuthorizeWatch =
    options.authorizeWatch ??
    (async ({ roomId, token }) => {
      if (!token) {
        if (config.ALLOW_ANONYMOUS_ROOMS) return {};
        throw unauthorized('watching a room needs an access token or a listener link');
      }
      const grant = await authorizeListener(
        app,
        looksLikeOpaqueToken(token) ? { roomId, listenToken: token } : { roomId, accessToken: token },
      );
      return grant.via === 'link' ? { linkId: grant.linkId } : { userId: grant.userId };
    });
  app.get('/ws', { websocket: true }, (socket, request) => {
    const cluster = app.cluster;
    new SignallingSession(socket, {
      // In a cluster, a join for a room another node owns is relayed there (server/cluster/).
      ...(cluster && { routeJoin: (ws, join) => cluster.routeJoin(ws, join, request.headers) }),
      registry: rooms,
      authorizeJoin,
      logger: app.log,
      analysis,
      rate: { perSecond: config.SIGNALLING_RATE_PER_SECOND, burst: config.SIGNALLING_RATE_PER_SECOND * 2 },
      maxTransports: 4,
      live,
      authorizeWatch,
    });
  });
};

export const signallingPlugin = fp(signalling, { name: 'moodify-signalling' });
