/**
 * HTTP side of the room streams:
 *   GET  /stream/:roomId/live.m3u8       live playlist (starts the stream; counts the listener);
 *                                        LL-HLS blocking reload with ?_HLS_msn=M[&_HLS_part=P]
 *   GET  /stream/:roomId/:file           init segment (.mp4), segments and parts (.m4s), from
 *                                        memory; the part named by EXT-X-PRELOAD-HINT blocks until it exists
 *   GET  /api/rooms/:roomId/now-playing  what plays, why it was picked, what is queued
 *   POST /api/rooms/:roomId/skip         crossfade to a new pick now
 *   POST /api/rooms/:roomId/feedback     like / dislike the track playing
 *   GET  /stream/clock                   the server's clock and the sync offset (wall-clock sync of players)
 *   GET  /listen[/:roomId]               the listener-only page (no camera, no microphone; pairs a TV)
 * The manager is `app.streams`. What it plays comes from its options: in the server, the music's
 * track source, feedback sink and story (server/app.ts wires them); a stream-only test app passes
 * a fixed playlist.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';

import { authorizeListener } from '../accounts/room-access.js';
import { bearerToken } from '../accounts/tokens.js';
import type { AppConfig } from '../config.js';
import { ROOM_ID_PATTERN } from '../rooms/room-id.js';
import { DEFAULT_STREAM_SETTINGS, type StreamSettings } from './room-stream.js';
import { StreamManager, StreamUnavailableError } from './stream-manager.js';
import type { TrackSource } from './track-source.js';

declare module 'fastify' {
  interface FastifyInstance {
    streams: StreamManager;
  }
}

/** Where listeners' likes and dislikes go (the music library's feedback table). */
export interface FeedbackSink {
  record(input: { roomId: string; trackId: string; listenerId: string; kind: 'like' | 'dislike' | 'skip' }): Promise<void>;
}

export interface StreamPluginOptions {
  trackSource?: TrackSource;
  feedback?: FeedbackSink;
  /** Why the room hears what it hears, in plain words (the music's story, CONTRACTS §1), for now-playing; null when there is none. */
  story?: (roomId: string) => object | null;
  settings?: Partial<StreamSettings>;
  idleStopS?: number;
  listenerWindowS?: number;
  /** At most this many room streams at once (default: STREAM_MAX_ROOMS). */
  maxStreams?: number;
  /** Folder holding listen.html (the built client). */
  clientDist?: string;
}

const roomParams = {
  type: 'object',
  required: ['roomId'],
  properties: { roomId: { type: 'string', pattern: ROOM_ID_PATTERN } },
} as const;
const LISTENER_ID = /^[A-Za-z0-9_-]{1,64}$/;
const DEFAULT_CLIENT_DIST = fileURLToPath(new URL('../../client/dist', import.meta.url));

// A live playlist changes every part: players must always refetch it. File names are unique
// per stream, so a segment's, part's or init segment's bytes never change: cache them for good.
const PLAYLIST_HEADERS = {
  'content-type': 'application/vnd.apple.mpegurl',
  'cache-control': 'no-cache, no-store, max-age=0',
  // Any HLS player, on any origin (a TV app, a cast receiver), may play the room's music.
  'access-control-allow-origin': '*',
};
const MEDIA_HEADERS = {
  'content-type': 'audio/mp4',
  'cache-control': 'public, max-age=86400, immutable',
  'access-control-allow-origin': '*',
};
const STREAM_FILE = '^[0-9a-f]{8}-(init\\d{1,6}\\.mp4|\\d{1,9}(\\.\\d{1,3})?\\.m4s)$';
/** LL-HLS: a blocking reload the playlist cannot answer within 3 target durations gets a 503 (spec §6.2.5.2). */
const BLOCK_TARGET_DURATIONS = 3;
const BLOCK_PARAM = /^\d{1,9}$/;
/**
 * Wall-clock sync: every player of a room aims at "server now + playAtOffsetMs" on the
 * program-date clock. The pacer writes `leadS` ahead of real time, so the live edge is about
 * now + leadS; playing this far behind the pacer leaves ~1.3 s of parts buffered, like LL-HLS's
 * own hold-back, and is the same instant for every device.
 */
const SYNC_BEHIND_PACER_MS = 1500;

/** The LL-HLS blocking-reload request (`_HLS_msn`, `_HLS_part`), or why it is malformed. */
function blockingReload(query: Record<string, unknown>): { msn: number; part: number | undefined } | { error: string } | undefined {
  const { _HLS_msn: msn, _HLS_part: part } = query;
  if (msn === undefined) return part === undefined ? undefined : { error: '_HLS_part needs _HLS_msn' };
  if (typeof msn !== 'string' || !BLOCK_PARAM.test(msn)) return { error: '_HLS_msn must be a media sequence number' };
  if (part !== undefined && (typeof part !== 'string' || !BLOCK_PARAM.test(part))) return { error: '_HLS_part must be a part index' };
  return { msn: Number(msn), part: part === undefined ? undefined : Number(part) };
}

/**
 * Who a listener is, for counting and feedback: the signed-in member, else the player's listener
 * id (?lid=), else a one-way hash of address and browser (no raw address is ever stored).
 */
function listenerKey(request: FastifyRequest, bodyListenerId?: string): string {
  const userId = (request as FastifyRequest & { listenerUserId?: string }).listenerUserId;
  if (userId) return `user:${userId}`;
  // The one identity rule: only a member's proven token makes feedback a user's; a player's own
  // id is always namespaced "lid:", so it can never be read back as someone's user id.
  if (bodyListenerId !== undefined && LISTENER_ID.test(bodyListenerId)) return `lid:${bodyListenerId}`;
  const lid = (request.query as Record<string, unknown>).lid;
  if (typeof lid === 'string' && LISTENER_ID.test(lid)) return `lid:${lid}`;
  return `anon:${createHash('sha256')
    .update(`${request.ip}|${request.headers['user-agent'] ?? ''}`)
    .digest('hex')
    .slice(0, 16)}`;
}

/** The listener-link token, from `?lt=` (plain HLS players can only carry it in the URL). */
function listenToken(request: FastifyRequest): string | undefined {
  const lt = (request.query as Record<string, unknown>).lt;
  return typeof lt === 'string' && lt.length > 0 && lt.length < 200 ? lt : undefined;
}

const streamRoutes: FastifyPluginAsync<StreamPluginOptions> = async (app, options) => {
  // A stream-only app (test/stream/stream-app.ts) has no configuration: the defaults apply there.
  const config: Partial<AppConfig> = app.services.config ?? {};
  const settings: StreamSettings = {
    ...DEFAULT_STREAM_SETTINGS,
    ...definedOnly({
      segmentS: config.STREAM_SEGMENT_S,
      crossfadeS: config.STREAM_CROSSFADE_S,
      targetLufs: config.STREAM_TARGET_LUFS,
    }),
    ...options.settings,
  };
  const { feedback } = options;
  const manager = new StreamManager({
    settings,
    idleStopS: options.idleStopS ?? config.STREAM_IDLE_STOP_S ?? 30,
    listenerWindowS: options.listenerWindowS ?? 10,
    maxStreams: options.maxStreams ?? config.STREAM_MAX_ROOMS,
    registry: app.services.registry,
    events: app.services.events,
    log: app.log,
    trackSource: options.trackSource,
  });
  app.decorate('streams', manager);
  app.addHook('onClose', async () => manager.close());

  const unavailable = (err: unknown) =>
    err instanceof StreamUnavailableError
      ? { status: 503, error: err.message }
      : { status: 500, error: `the room stream failed: ${err instanceof Error ? err.message : String(err)}` };

  /**
   * Listening needs a listener link (`?lt=`, revocable) or a member's access token, unless the
   * server allows anonymous rooms. Revoking a link stops it on the player's next request.
   */
  const listenerAccess = async (request: FastifyRequest, _reply: FastifyReply) => {
    if (config.ALLOW_ANONYMOUS_ROOMS !== false) return;
    if (app.cluster?.isEdgeRequest(request.headers)) return; // another node's edge, which authorised its listener
    const { roomId } = request.params as { roomId: string };
    const grant = await authorizeListener(app, {
      roomId,
      listenToken: listenToken(request),
      accessToken: bearerToken(request.headers.authorization),
    });
    if (grant.via === 'member') (request as FastifyRequest & { listenerUserId?: string }).listenerUserId = grant.userId;
  };

  // Players fetch the playlist and a segment (LL-HLS: three parts) every second or so each:
  // keep them outside the per-address rate limit (a TV and five phones behind one NAT would hit
  // it), and out of the request log (two lines per request, thousands of requests a second).
  const hls = { config: { rateLimit: false }, preHandler: listenerAccess, logLevel: 'warn' } as const;

  app.get<{ Params: { roomId: string } }>(
    '/stream/:roomId/live.m3u8',
    { ...hls, schema: { params: roomParams } },
    async (request, reply) => {
      const { roomId } = request.params;
      const block = blockingReload(request.query as Record<string, unknown>);
      if (block && 'error' in block) return reply.code(400).send({ error: block.error });
      manager.touchListener(roomId, listenerKey(request));
      try {
        const stream = await manager.ensure(roomId);
        // A fresh stream's first segments take a moment; a player asking now gets a playable list.
        await stream.waitForSegments(3, 10_000);
        const playlist = stream.playlist;
        if (block) {
          // The spec's bound on how far ahead a player may ask (§6.2.5.2).
          if (block.msn > (playlist.lastSequence ?? 0) + 2)
            return reply.code(400).send({ error: `_HLS_msn ${block.msn} is too far beyond the live edge` });
          const ready = await playlist.waitUntil(
            () => playlist.has(block.msn, block.part),
            BLOCK_TARGET_DURATIONS * playlist.targetDurationS * 1000,
          );
          if (!ready)
            return reply.code(503).header('retry-after', '1').send({ error: 'the requested segment or part did not appear in time' });
        }
        // URIs carry the listener link on, so a plain HLS player (TV, VLC) can fetch them.
        const token = listenToken(request);
        return reply.headers(PLAYLIST_HEADERS).send(playlist.toString(token ? `lt=${encodeURIComponent(token)}` : ''));
      } catch (err) {
        const { status, error } = unavailable(err);
        request.log.warn({ roomId, err: error }, 'playlist unavailable');
        return reply.code(status).header('retry-after', '2').send({ error });
      }
    },
  );

  app.get<{ Params: { roomId: string; file: string } }>(
    '/stream/:roomId/:file',
    {
      ...hls,
      schema: { params: { ...roomParams, properties: { ...roomParams.properties, file: { type: 'string', pattern: STREAM_FILE } } } },
    },
    async (request, reply) => {
      const { roomId, file: name } = request.params;
      const playlist = manager.get(roomId)?.playlist;
      let file = playlist?.file(name);
      if (!file && playlist && name === playlist.nextPartName) {
        // The part being written (EXT-X-PRELOAD-HINT): answered the moment it is complete.
        await playlist.waitUntil(() => playlist.file(name) !== undefined, BLOCK_TARGET_DURATIONS * playlist.targetDurationS * 1000);
        file = playlist.file(name);
      }
      if (!file) return reply.code(404).send({ error: 'no such segment (it may have left the live window)' });
      if (request.headers['if-none-match'] === file.etag) return reply.code(304).headers(MEDIA_HEADERS).header('etag', file.etag).send();
      return reply.headers(MEDIA_HEADERS).header('etag', file.etag).send(file.bytes);
    },
  );

  app.get<{ Params: { roomId: string } }>(
    '/api/rooms/:roomId/now-playing',
    { schema: { params: roomParams }, preHandler: listenerAccess },
    async (request, reply) => {
      reply.header('cache-control', 'no-cache');
      // story: why it plays, in plain words (music-story, CONTRACTS §1); null without the recommender.
      return { ...manager.nowPlaying(request.params.roomId), story: options.story?.(request.params.roomId) ?? null };
    },
  );

  app.post<{ Params: { roomId: string } }>(
    '/api/rooms/:roomId/skip',
    { schema: { params: roomParams }, preHandler: listenerAccess },
    async (request, reply) => {
      const { roomId } = request.params;
      const skipped = manager.nowPlaying(roomId).current?.track.trackId;
      try {
        const queued = await manager.requestSwitch(roomId, 'skip');
        // A skip is feedback too: the recommender plays that track less for this room.
        if (skipped && feedback) {
          await feedback
            .record({ roomId, trackId: skipped, kind: 'skip', listenerId: listenerKey(request) })
            .catch((err: unknown) => request.log.warn({ roomId, err: String(err) }, 'skip feedback not stored'));
        }
        return { queued };
      } catch (err) {
        const { status, error } = unavailable(err);
        return reply.code(status).send({ error });
      }
    },
  );

  app.post<{ Params: { roomId: string }; Body: { trackId: string; kind: 'like' | 'dislike'; listenerId?: string } }>(
    '/api/rooms/:roomId/feedback',
    {
      preHandler: listenerAccess,
      schema: {
        params: roomParams,
        body: {
          type: 'object',
          required: ['trackId', 'kind'],
          additionalProperties: false,
          properties: {
            trackId: { type: 'string', minLength: 1, maxLength: 100 },
            kind: { type: 'string', enum: ['like', 'dislike'] },
            listenerId: { type: 'string', pattern: LISTENER_ID.source },
          },
        },
      },
    },
    async (request, reply) => {
      if (!feedback) {
        return reply.code(503).send({ error: 'feedback cannot be stored on this server: no music library is connected' });
      }
      const { trackId, kind, listenerId } = request.body;
      // A signed-in member's feedback is theirs (and goes with "delete my data"); others are pseudonymous ("lid:"/"anon:").
      await feedback.record({ roomId: request.params.roomId, trackId, kind, listenerId: listenerKey(request, listenerId) });
      return reply.code(201).send({ recorded: kind, trackId });
    },
  );

  // Players read it a few times a minute (all devices of a room behind one address, too).
  app.get('/stream/clock', { config: { rateLimit: false }, logLevel: 'warn' }, async (_request, reply) => {
    reply.header('cache-control', 'no-store');
    return { nowMs: Date.now(), playAtOffsetMs: Math.round(settings.leadS * 1000 - SYNC_BEHIND_PACER_MS) };
  });

  const clientDist = options.clientDist ?? DEFAULT_CLIENT_DIST;
  const listenPage = async (_request: FastifyRequest, reply: FastifyReply) => {
    const page = `${clientDist}/listen.html`;
    if (!fs.existsSync(page)) return reply.code(503).send({ error: 'the client bundle is not built: run `npm run build:client`' });
    return reply.type('text/html; charset=utf-8').send(fs.createReadStream(page));
  };
  // Bare /listen: a TV's start page (enter or scan a pairing code, or pick a room when signed in).
  app.get('/listen', listenPage);
  app.get<{ Params: { roomId: string } }>('/listen/:roomId', { schema: { params: roomParams } }, listenPage);
};

function definedOnly<T extends object>(values: T): Partial<T> {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined)) as Partial<T>;
}

export const streamPlugin = fp(streamRoutes, { name: 'moodify-stream' });
