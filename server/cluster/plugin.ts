/**
 * Wires a node into the cluster (only when REDIS_URL is set; docs/CLUSTER.md):
 *   - createClusterNode (before the other plugins): Redis, heartbeat, ownership; `app.cluster`.
 *   - clusterPlugin (after signalling and the stream): joins are relayed to the room's owner,
 *     live events cross nodes on Redis pub/sub, every node serves every room's stream as an
 *     LL-HLS edge, the owner gives a room up when nobody uses it, and steps down when it lost it.
 */
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { Gauge } from 'prom-client';
import type { WebSocket } from 'ws';

import { authorizeListener } from '../accounts/room-access.js';
import { bearerToken } from '../accounts/tokens.js';
import { ROOM_ID_SOURCE } from '../rooms/room-id.js';
import { type RequestData, SignallingError } from '../signalling/protocol.js';
import { Cluster, EDGE_HEADER } from './cluster.js';
import { HlsEdge, type UpstreamResponse } from './hls-edge.js';
import { LiveBridge } from './live-bridge.js';
import { NodeNotAliveError } from './ownership.js';
import { type Placement, PlacementUnavailableError } from './placement.js';
import { proxySignalling } from './signalling-proxy.js';

export interface ClusterNode {
  cluster: Cluster;
  /** Signalling: relays a join for a room owned elsewhere (server/signalling/session.ts routeJoin). */
  routeJoin(
    socket: WebSocket,
    join: { id: number; data: RequestData<'join'>; relayable: boolean },
    headers: Record<string, string | string[] | undefined>,
  ): Promise<boolean>;
  edge: HlsEdge | undefined;
  isEdgeRequest(headers: Record<string, string | string[] | undefined>): boolean;
  /** Runs a periodic job on one node per period (false: another node has this period's turn). */
  takeTurn(job: string, periodMs: number): Promise<boolean>;
  /**
   * A one-off cluster job (the bundled-library import): true on the one node that runs it; the
   * others get false and call `follow` every 30 s for an hour (to pick up its results).
   */
  takeTurnOrFollow(job: string, follow: () => Promise<unknown>): Promise<boolean>;
  /** Options for @fastify/rate-limit: limits shared by every node. */
  rateLimitStore: { redis: Cluster['redis']; nameSpace: string; skipOnError: true };
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Present only in a cluster (REDIS_URL set). */
    cluster?: ClusterNode;
  }
}

const STREAM_PATH = new RegExp(
  `^/stream/(${ROOM_ID_SOURCE})/([0-9a-f]{8}-(?:init\\d{1,6}\\.mp4|\\d{1,9}(?:\\.\\d{1,3})?\\.m4s)|live\\.m3u8)(?:\\?|$)`,
);
const BLOCK_PARAM = /^\d{1,9}$/;
/** A room with no participants, no stream and no listener for this long is given up. */
const UNUSED_ROOM_RELEASE_MS = 20_000;
/** A one-off job's turn lasts this long; the other nodes follow its results meanwhile. */
const FOLLOW_FOR_MS = 60 * 60_000;

/** Creates the node, connects to Redis and decorates `app.cluster`. */
export async function createClusterNode(app: FastifyInstance): Promise<ClusterNode> {
  const { config } = app.services;
  const cluster = new Cluster({
    config,
    logger: app.log,
    load: () => {
      const rooms = app.hasDecorator('rooms') ? [...app.rooms.rooms.values()] : [];
      const streams = app.hasDecorator('streams') ? app.streams : undefined;
      return {
        rooms: new Set([...rooms.map((r) => r.id), ...(streams?.roomIds ?? [])]).size,
        participants: rooms.reduce((sum, r) => sum + r.peers.size, 0),
        listeners: streams ? streams.roomIds.reduce((sum, id) => sum + streams.listenerCount(id), 0) : 0,
      };
    },
    onRoomLost: (roomId) => {
      if (app.hasDecorator('rooms')) void app.rooms.reset(roomId, 'the room moved to another server; join again');
      if (app.hasDecorator('streams')) void app.streams.stop(roomId);
    },
  });
  await cluster.connect();
  app.addHook('onListen', async () => {
    const address = app.server.address();
    await cluster.announce(typeof address === 'object' && address ? address.port : config.PORT);
  });
  const followers = new Set<NodeJS.Timeout>();
  app.addHook('onClose', async () => {
    for (const timer of followers) clearInterval(timer);
    await cluster.close();
  });

  const node: ClusterNode = {
    cluster,
    edge: undefined,
    isEdgeRequest: (headers) => cluster.isEdgeRequest(headers),
    takeTurn: (job, periodMs) => cluster.jobs.once(job, periodMs),
    async takeTurnOrFollow(job, follow) {
      const mine = await cluster.jobs.once(job, FOLLOW_FOR_MS).catch(() => false);
      if (mine) return true;
      app.log.info({ job }, 'cluster: another node runs this job; following its results');
      const startedAt = Date.now();
      const timer = setInterval(() => {
        if (Date.now() - startedAt > FOLLOW_FOR_MS) clearInterval(timer);
        else void follow().catch((err: unknown) => app.log.warn({ job, err: String(err) }, 'cluster: following a job failed'));
      }, 30_000);
      timer.unref();
      followers.add(timer);
      return false;
    },
    rateLimitStore: { redis: cluster.redis, nameSpace: cluster.keys.rateLimit, skipOnError: true },
    async routeJoin(socket, join, headers) {
      const placed = await placeOrExplain(cluster, join.data.roomId);
      if (placed.local) return false;
      if (!join.relayable) {
        throw new SignallingError(
          'already-watching',
          `room ${join.data.roomId} is served by another node and this socket watches a room: join from a new socket (or unwatch first)`,
        );
      }
      if (cluster.isEdgeRequest(headers)) {
        // Relayed here by a node that thought we own it; we don't (any more): start over there.
        socket.close(1012, 'the room moved to another node; reconnect');
        return true;
      }
      proxySignalling(socket, JSON.stringify({ v: 1, id: join.id, method: 'join', data: join.data }), {
        upstreamUrl: `${placed.node.url.replace(/^http/, 'ws')}/ws`,
        edgeSecret: cluster.edgeSecret,
        log: app.log,
        roomId: join.data.roomId,
        ownerId: placed.node.id,
      });
      return true;
    },
  };
  app.decorate('cluster', node);
  return node;
}

async function placeOrExplain(cluster: Cluster, roomId: string): Promise<Placement> {
  try {
    return await cluster.placement.place(roomId);
  } catch (err) {
    if (err instanceof PlacementUnavailableError || err instanceof NodeNotAliveError)
      throw new SignallingError('cluster-unavailable', err.message);
    throw err;
  }
}

const clusterWiring: FastifyPluginAsync = async (app) => {
  const node = app.cluster!;
  const { cluster } = node;
  const { config } = app.services;

  const bridge = new LiveBridge({
    redis: cluster.redis,
    subscriber: cluster.subscriber,
    keys: cluster.keys,
    nodeId: cluster.nodeId,
    ownership: cluster.ownership,
    live: app.live,
    events: app.services.events,
    snapshotTtlMs: config.CLUSTER_ROOM_LEASE_MS * 2,
    log: app.log,
  });
  app.addHook('preClose', async () => bridge.close());

  // ------------------------------------------------------------------ room lifetime on the owner
  const unusedSince = new Map<string, number>();
  const releaseUnused = setInterval(() => {
    const now = Date.now();
    for (const roomId of cluster.ownership.heldRooms) {
      const inUse = app.rooms.rooms.has(roomId) || app.streams.get(roomId) !== undefined;
      if (inUse) unusedSince.delete(roomId);
      else if (!unusedSince.has(roomId)) unusedSince.set(roomId, now);
      else if (now - unusedSince.get(roomId)! > UNUSED_ROOM_RELEASE_MS) {
        unusedSince.delete(roomId);
        void cluster.ownership.release(roomId);
      }
    }
  }, 2000);
  releaseUnused.unref();
  app.addHook('onClose', async () => clearInterval(releaseUnused));

  // ------------------------------------------------------------------ LL-HLS: origin and edge
  const placements = new Map<string, { placed: Placement; until: number }>();
  const placeCached = async (roomId: string): Promise<Placement> => {
    const hit = placements.get(roomId);
    if (hit && hit.until > Date.now()) return hit.placed;
    const placed = await cluster.placement.place(roomId);
    placements.set(roomId, { placed, until: Date.now() + 1000 });
    return placed;
  };
  const edgeHeaders = { [EDGE_HEADER]: cluster.edgeSecret };
  const edge = new HlsEdge(async (roomId, pathAndQuery): Promise<UpstreamResponse> => {
    const placed = await placeCached(roomId);
    try {
      if (placed.local) {
        const res = await app.inject({ method: 'GET', url: `/stream/${roomId}/${pathAndQuery}`, headers: edgeHeaders });
        return { status: res.statusCode, headers: res.headers as Record<string, string>, body: res.rawPayload };
      }
      const res = await fetch(`${placed.node.url}/stream/${roomId}/${pathAndQuery}`, {
        headers: edgeHeaders,
        signal: AbortSignal.timeout(15_000),
      });
      if (res.status === 421) placements.delete(roomId);
      return { status: res.status, headers: Object.fromEntries(res.headers), body: Buffer.from(await res.arrayBuffer()) };
    } catch (err) {
      placements.delete(roomId); // the owner is unreachable: ask Redis again next time
      throw err;
    }
  });
  node.edge = edge;
  // What bench:cluster reads: requests served to listeners and sent upstream by this edge, and
  // the part requests this node answered as an origin (per distinct part: the collapsing figure).
  const originRequests = { parts: 0, distinctParts: new Set<string>() };
  const metrics = app.services.registry;
  new Gauge({
    name: 'moodify_cluster_edge_requests',
    help: 'LL-HLS requests at this edge by kind: served to listeners, and sent upstream to the owner',
    labelNames: ['kind', 'side'],
    registers: [metrics],
    collect() {
      for (const [kind, n] of Object.entries(edge.stats.served)) this.set({ kind, side: 'served' }, n);
      for (const [kind, n] of Object.entries(edge.stats.upstream)) this.set({ kind, side: 'upstream' }, n);
    },
  });
  new Gauge({
    name: 'moodify_cluster_origin_part_requests',
    help: 'part requests from edges answered here as the owner: all, and distinct parts',
    labelNames: ['count'],
    registers: [metrics],
    collect() {
      this.set({ count: 'requests' }, originRequests.parts);
      this.set({ count: 'distinct' }, originRequests.distinctParts.size);
    },
  });
  new Gauge({
    name: 'moodify_cluster_held_rooms',
    help: 'rooms this node owns',
    registers: [metrics],
    collect() {
      this.set(cluster.ownership.heldRooms.length);
    },
  });

  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    const url = request.raw.url ?? '';
    if (!url.startsWith('/stream/')) return;
    const match = STREAM_PATH.exec(url);
    if (!match) return;
    const roomId = match[1]!;
    const file = match[2]!;
    if (cluster.isEdgeRequest(request.headers)) {
      // Origin side: another node's edge (or this node's own) asks; only the owner serves.
      if (/\.\d+\.m4s$/.test(file)) {
        originRequests.parts++;
        if (originRequests.distinctParts.size < 100_000) originRequests.distinctParts.add(`${roomId}/${file}`);
      }
      const placed = await placeCached(roomId).catch(() => undefined);
      if (placed && !placed.local) return reply.code(421).send({ error: `room ${roomId} is served by ${placed.node.url}` });
      return;
    }
    // Listener side: authorised here, served from the owner through the edge.
    const query = request.query as Record<string, unknown>;
    const lt = typeof query.lt === 'string' && query.lt.length > 0 && query.lt.length < 200 ? query.lt : undefined;
    if (config.ALLOW_ANONYMOUS_ROOMS === false) {
      try {
        await authorizeListener(app, { roomId, listenToken: lt, accessToken: bearerToken(request.headers.authorization) });
      } catch (err) {
        const status = (err as { statusCode?: number }).statusCode ?? 500;
        return reply.code(status).send({ error: err instanceof Error ? err.message : String(err) });
      }
    }
    let response: UpstreamResponse;
    try {
      if (file === 'live.m3u8') {
        const { _HLS_msn: msn, _HLS_part: part } = query;
        if (msn !== undefined && (typeof msn !== 'string' || !BLOCK_PARAM.test(msn)))
          return reply.code(400).send({ error: '_HLS_msn must be a media sequence number' });
        if (part !== undefined && (typeof part !== 'string' || !BLOCK_PARAM.test(part) || msn === undefined))
          return reply.code(400).send({ error: '_HLS_part must be a part index, with _HLS_msn' });
        const block = msn === undefined ? undefined : { msn: Number(msn), part: part === undefined ? undefined : Number(part) };
        response = await edge.playlist(roomId, block, lt ? `lt=${encodeURIComponent(lt)}` : '');
      } else {
        response = await edge.file(roomId, file);
      }
    } catch (err) {
      const message =
        err instanceof PlacementUnavailableError
          ? err.message
          : `the room's server is unreachable; retry (${err instanceof Error ? err.message : String(err)})`;
      return reply.code(503).header('retry-after', '1').send({ error: message });
    }
    return reply.code(response.status).headers(response.headers).send(response.body);
  });
};

export const clusterPlugin = fp(clusterWiring, { name: 'moodify-cluster', dependencies: ['moodify-signalling', 'moodify-stream'] });
