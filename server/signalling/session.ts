/**
 * One WebSocket's signalling session. Messages are handled one at a time, in arrival order, so
 * a 'leave' can never overtake the 'produce' before it. Every request gets exactly one reply;
 * nothing a client sends can throw out of here, and closing the socket releases everything.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { WebSocket } from 'ws';

import type { WatchReply } from '../../vocabulary/live-events.js';
import { guestDisplayName } from '../accounts/display-names.js';
import type { LiveHub, LiveSubscriber } from '../live/live-hub.js';
import type { Peer, PeerIdentity, RoomRegistry } from '../rooms/room-registry.js';
import {
  envelopeChecker,
  isMethod,
  MAX_MESSAGE_BYTES,
  type Method,
  PROTOCOL_VERSION,
  type Reply,
  requestCheckers,
  type RequestData,
  SignallingError,
} from './protocol.js';
import { peekId, toWireError } from './wire-errors.js';

/**
 * `guestUserId`: the guest this socket already became with the same invite token in this room;
 * the policy reuses it (while it is still a member) instead of creating another guest.
 */
export type AuthorizeJoin = (request: {
  roomId: string;
  token?: string | undefined;
  displayName?: string | undefined;
  guestUserId?: string | undefined;
}) => Promise<PeerIdentity>;
/** Who may watch a room's live events: the watcher's user (a member's token) or the listener link it came with. */
export type AuthorizeWatch = (request: {
  roomId: string;
  token?: string | undefined;
}) => Promise<{ userId?: string | undefined; linkId?: string | undefined }>;

export interface SessionOptions {
  registry: RoomRegistry;
  authorizeJoin: AuthorizeJoin;
  logger: FastifyBaseLogger;
  analysis: { fps: number; width: number; height: number };
  /** Token bucket: sustained messages per second and burst size. */
  rate: { perSecond: number; burst: number };
  maxTransports: number;
  /** Live events (mood, music, presence) for joined and watching sockets; watch/unwatch need both. */
  live?: LiveHub;
  authorizeWatch?: AuthorizeWatch;
  /**
   * Cluster (server/cluster/): a join for a room another node owns is relayed there. Returns true
   * when it took over the socket; throws a SignallingError when the room cannot be placed now, or
   * is elsewhere and this socket cannot be relayed (it watches a room).
   */
  routeJoin?: (socket: WebSocket, join: { id: number; data: RequestData<'join'>; relayable: boolean }) => Promise<boolean>;
}

export class SignallingSession {
  private peer: Peer | undefined;
  private queue: Promise<void> = Promise.resolve();
  private closed = false;
  /** The cluster relays this socket to another node: its frames are not ours any more. */
  private handedOver = false;
  private tokens: number;
  private lastRefill = Date.now();
  /** One live subscription per room this socket joined and/or watches. */
  private readonly liveSubs = new Map<string, { sub: LiveSubscriber; unsubscribe: () => void }>();
  private watching: string | undefined;
  /** "roomId|invite token" → the guest user that invite made on this socket (join/leave cycles reuse it). */
  private readonly inviteGuests = new Map<string, string>();

  constructor(
    private readonly socket: WebSocket,
    private readonly options: SessionOptions,
  ) {
    this.tokens = options.rate.burst;
    socket.on('message', (raw, isBinary) => this.onFrame(raw as Buffer, isBinary));
    socket.on('close', () => void this.onClose());
    socket.on('error', () => {}); // 'close' follows; errors are the client's problem, not ours
  }

  private onFrame(raw: Buffer, isBinary: boolean): void {
    if (this.handedOver) return;
    if (!this.takeToken()) {
      this.reply({
        v: PROTOCOL_VERSION,
        id: peekId(raw),
        ok: false,
        error: { code: 'rate-limited', message: `more than ${this.options.rate.perSecond} messages per second` },
      });
      return;
    }
    this.queue = this.queue
      .then(() => this.handle(raw, isBinary))
      .catch((err: unknown) => {
        this.options.logger.error({ err }, 'signalling handler failed');
      });
  }

  private async handle(raw: Buffer, isBinary: boolean): Promise<void> {
    if (this.closed) return;
    let id: number | null = null;
    try {
      if (isBinary) throw new SignallingError('bad-json', 'binary frames are not part of the protocol; send JSON text');
      if (raw.length > MAX_MESSAGE_BYTES)
        throw new SignallingError('too-large', `message of ${raw.length} bytes exceeds ${MAX_MESSAGE_BYTES}`);
      let message: unknown;
      try {
        message = JSON.parse(raw.toString('utf8'));
      } catch {
        throw new SignallingError('bad-json', 'message is not valid JSON');
      }
      id = peekId(message);
      if (!envelopeChecker.Check(message)) {
        const first = envelopeChecker.Errors(message).First();
        throw new SignallingError(
          'bad-envelope',
          `expected {v, id, method, data}: ${first ? `${first.path || '/'} ${first.message}` : 'not an object'}`,
        );
      }
      if (message.v !== PROTOCOL_VERSION)
        throw new SignallingError('unsupported-version', `protocol version ${message.v} is not supported; use ${PROTOCOL_VERSION}`);
      if (!isMethod(message.method)) throw new SignallingError('unknown-method', `unknown method "${message.method.slice(0, 64)}"`);
      const data = message.data ?? {};
      const checker = requestCheckers[message.method];
      if (!checker.Check(data)) {
        const first = checker.Errors(data).First();
        throw new SignallingError(
          'invalid-params',
          `${message.method}: ${first ? `${first.path || '/'} ${first.message}` : 'invalid data'}`,
        );
      }
      // Not joined and watching nothing: the whole socket may move to the room's owner node.
      if (
        message.method === 'join' &&
        this.options.routeJoin &&
        !this.peer &&
        (await this.options.routeJoin(this.socket, {
          id: message.id,
          data: data as RequestData<'join'>,
          relayable: this.liveSubs.size === 0,
        }))
      ) {
        this.handedOver = true;
        return;
      }
      const result = await this.dispatch(message.method, data);
      this.reply({ v: PROTOCOL_VERSION, id, ok: true, data: result });
    } catch (err) {
      this.reply({ v: PROTOCOL_VERSION, id, ok: false, error: toWireError(err, this.options.logger) });
    }
  }

  private async dispatch(method: Method, data: unknown): Promise<unknown> {
    switch (method) {
      case 'ping':
        return { now: Date.now() };
      case 'join':
        return this.join(data as RequestData<'join'>);
      case 'leave':
        await this.leave();
        return {};
      case 'watch':
        return this.watch(data as RequestData<'watch'>);
      case 'unwatch':
        this.unwatch();
        return {};
    }
    const peer = this.peer;
    if (!peer) throw new SignallingError('not-joined', `${method} needs a joined room: send join first`);
    switch (method) {
      case 'createWebRtcTransport': {
        this.checkTransportLimit(peer);
        const t = await peer.media.createWebRtcTransport();
        return { id: t.id, iceParameters: t.iceParameters, iceCandidates: t.iceCandidates, dtlsParameters: t.dtlsParameters };
      }
      case 'createPlainTransport': {
        this.checkTransportLimit(peer);
        const t = await peer.media.createPlainTransport();
        return { id: t.id, ip: t.tuple.localAddress, port: t.tuple.localPort };
      }
      case 'connectWebRtcTransport': {
        const { transportId, dtlsParameters } = data as RequestData<'connectWebRtcTransport'>;
        const transport = peer.media.transports.get(transportId);
        if (!transport || !('iceParameters' in transport))
          throw new SignallingError('unknown-transport', `no WebRTC transport ${transportId} of yours`);
        await transport.connect({ dtlsParameters: dtlsParameters as never }); // mediasoup checks the algorithm names
        return {};
      }
      case 'produce': {
        const { transportId, kind, rtpParameters } = data as RequestData<'produce'>;
        if ([...peer.media.producers.values()].some((p) => p.kind === kind)) {
          throw new SignallingError('limit-reached', `you already send ${kind}; close that producer first`);
        }
        if (!peer.media.transports.has(transportId)) throw new SignallingError('unknown-transport', `no transport ${transportId} of yours`);
        const producer = await peer.media.produce(transportId, kind, rtpParameters as never);
        this.options.live?.presenceChanged(peer.roomId);
        return { id: producer.id };
      }
      case 'pauseProducer':
      case 'resumeProducer':
      case 'closeProducer': {
        const { producerId } = data as RequestData<'pauseProducer'>;
        const producer = peer.media.producers.get(producerId);
        if (!producer) throw new SignallingError('unknown-producer', `no producer ${producerId} of yours`);
        if (method === 'pauseProducer') await producer.pause();
        else if (method === 'resumeProducer') await producer.resume();
        else peer.media.closeProducer(producerId);
        this.options.live?.presenceChanged(peer.roomId);
        return {};
      }
    }
    throw new SignallingError('unknown-method', `unknown method "${method}"`);
  }

  private async join(request: RequestData<'join'>): Promise<unknown> {
    if (this.peer) throw new SignallingError('already-joined', `already in room ${this.peer.roomId}; leave first`);
    const inviteKey = request.token ? `${request.roomId}|${request.token}` : undefined;
    const identity = await this.options.authorizeJoin({
      ...request,
      // Shown to everyone in the room: no control or bidi-override characters (server/accounts/display-names.ts).
      ...(request.displayName !== undefined ? { displayName: guestDisplayName(request.displayName) } : {}),
      ...(inviteKey && this.inviteGuests.has(inviteKey) ? { guestUserId: this.inviteGuests.get(inviteKey) } : {}),
    });
    if (inviteKey && identity.role === 'guest' && identity.userId) this.inviteGuests.set(inviteKey, identity.userId);
    const { room, peer } = await this.options.registry.join(request.roomId, identity, (event, data) => {
      if ((event === 'roomReset' || event === 'removed') && this.peer === peer) {
        this.peer = undefined;
        this.detachLive(peer.roomId);
      }
      this.send(event, data);
    });
    if (this.closed) {
      // The socket went away while we were joining: undo it.
      await this.options.registry.leave(peer);
      return {};
    }
    this.peer = peer;
    const sub = this.attachLive(room.id, peer.userId);
    if (sub) {
      sub.participantId = peer.participantId;
      sub.ownMoodsOnly = request.moods === 'own';
    }
    const live = this.options.live;
    return {
      protocolVersion: PROTOCOL_VERSION,
      roomId: room.id,
      participantId: peer.participantId,
      role: peer.role,
      routerRtpCapabilities: room.media.rtpCapabilities,
      peers: [...room.peers.values()]
        .filter((p) => p !== peer)
        .map((p) => ({ participantId: p.participantId, displayName: p.displayName })),
      analysis: this.options.analysis,
      roomMood: live?.roomMood(room.id) ?? null,
      nowPlaying: live?.currentTrack(room.id) ?? null,
    };
  }

  private async leave(): Promise<void> {
    const peer = this.peer;
    this.peer = undefined;
    if (peer) {
      this.detachLive(peer.roomId);
      await this.options.registry.leave(peer);
    }
  }

  /** Live events without media: authorised like listening (member token or listener link). */
  private async watch(request: RequestData<'watch'>): Promise<unknown> {
    const { live, authorizeWatch } = this.options;
    if (!live || !authorizeWatch) throw new SignallingError('unknown-method', 'watch is not offered by this server');
    if (this.watching && this.watching !== request.roomId) {
      throw new SignallingError('already-watching', `already watching room ${this.watching}; unwatch first`);
    }
    const grant = await authorizeWatch(request);
    if (this.closed) return {};
    const sub = this.attachLive(request.roomId, grant.userId)!;
    sub.watch = { userId: grant.userId, linkId: grant.linkId };
    this.watching = request.roomId;
    const reply: WatchReply = {
      roomId: request.roomId,
      members: live.members(request.roomId, sub),
      roomMood: live.roomMood(request.roomId),
      nowPlaying: live.currentTrack(request.roomId),
      recent: live.recent(sub.userId, request.roomId),
    };
    return reply;
  }

  private unwatch(): string | undefined {
    const roomId = this.watching;
    if (!roomId) return undefined;
    this.watching = undefined;
    const entry = this.liveSubs.get(roomId);
    if (entry) entry.sub.watch = undefined;
    this.detachLive(roomId);
    return roomId;
  }

  private attachLive(roomId: string, userId: string | undefined): LiveSubscriber | undefined {
    const live = this.options.live;
    if (!live) return undefined;
    const existing = this.liveSubs.get(roomId);
    if (existing) {
      // Both identities were proven on this socket; the signed-in one sees its own detail.
      existing.sub.userId ??= userId;
      return existing.sub;
    }
    const sub: LiveSubscriber = {
      roomId,
      userId,
      send: (event, data) => this.send(event, data),
      endWatch: (reason) => {
        if (this.watching !== roomId) return;
        this.unwatch();
        this.send('unwatched', { roomId, reason });
      },
    };
    this.liveSubs.set(roomId, { sub, unsubscribe: live.subscribe(sub) });
    return sub;
  }

  /** Drops the room's live subscription once the socket neither is joined to it nor watches it. */
  private detachLive(roomId: string): void {
    const entry = this.liveSubs.get(roomId);
    if (entry && this.peer?.roomId !== roomId) {
      entry.sub.participantId = undefined;
      entry.sub.ownMoodsOnly = undefined;
    }
    if (this.peer?.roomId === roomId || this.watching === roomId) return;
    this.liveSubs.get(roomId)?.unsubscribe();
    this.liveSubs.delete(roomId);
  }

  private checkTransportLimit(peer: Peer): void {
    if (peer.media.transports.size >= this.options.maxTransports) {
      throw new SignallingError('limit-reached', `at most ${this.options.maxTransports} transports per participant`);
    }
  }

  private async onClose(): Promise<void> {
    this.closed = true;
    // Wait for the message in progress (a join may be half done), then release everything.
    await this.queue;
    this.unwatch();
    await this.leave().catch((err: unknown) => this.options.logger.error({ err }, 'leave on close failed'));
    for (const entry of this.liveSubs.values()) entry.unsubscribe();
    this.liveSubs.clear();
  }

  private takeToken(): boolean {
    const now = Date.now();
    const { perSecond, burst } = this.options.rate;
    this.tokens = Math.min(burst, this.tokens + ((now - this.lastRefill) / 1000) * perSecond);
    this.lastRefill = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  private send(event: string, data: unknown): void {
    if (this.socket.readyState === this.socket.OPEN) this.socket.send(JSON.stringify({ v: PROTOCOL_VERSION, event, data }));
  }

  private reply(reply: Reply): void {
    if (this.socket.readyState === this.socket.OPEN) this.socket.send(JSON.stringify(reply));
  }
}
