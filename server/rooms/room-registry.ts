/**
 * Live rooms: created on the first join (its router placed on the next mediasoup worker),
 * closed when the last participant leaves, rebuilt when their worker dies. Announces every
 * decoded stream ('videoTap' / 'audioTap') to the analysis pipeline.
 */
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';

import type { FastifyBaseLogger } from 'fastify';

import type { IngestMetrics } from '../../media/ingest/metrics.js';
import type { AudioTap, VideoTap } from '../../media/ingest/producer-tap.js';
import { type AnalysisSettings, type ParticipantMedia, RoomMedia, type RtcNetwork } from '../../media/room-media.js';
import type { WorkerPool } from '../../media/worker-pool.js';
import type { EventBus } from '../events.js';
import { OpenOnce } from '../open-once.js';

/** A join refused because the room has its maximum of participants (signalling answers 'room-full'). */
export class RoomFullError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RoomFullError';
  }
}

export interface PeerIdentity {
  userId?: string | undefined;
  displayName: string;
  role: 'owner' | 'member' | 'guest';
}

export interface Peer extends PeerIdentity {
  participantId: string;
  roomId: string;
  media: ParticipantMedia;
  /** When they joined (epoch ms), for presence. */
  joinedAt: number;
  /** Sends a server event to this peer's socket. */
  notify(event: string, data: unknown): void;
}

export interface Room {
  id: string;
  media: RoomMedia;
  peers: Map<string, Peer>;
}

interface RegistryEvents {
  videoTap: [{ roomId: string; participantId: string; tap: VideoTap }];
  audioTap: [{ roomId: string; participantId: string; tap: AudioTap }];
  roomClosed: [roomId: string];
}

export interface RoomRegistryOptions {
  workers: WorkerPool;
  network: RtcNetwork;
  analysis: AnalysisSettings;
  metrics: IngestMetrics;
  events: EventBus;
  logger: FastifyBaseLogger;
  maxParticipants: number;
}

export class RoomRegistry extends EventEmitter<RegistryEvents> {
  readonly rooms = new Map<string, Room>();
  /** rooms being created: two joins racing into a new room get the same one */
  private readonly opening = new OpenOnce<Room>();

  constructor(private readonly options: RoomRegistryOptions) {
    super();
    this.setMaxListeners(0);
  }

  async join(roomId: string, identity: PeerIdentity, notify: Peer['notify']): Promise<{ room: Room; peer: Peer }> {
    const room = await this.open(roomId);
    if (room.peers.size >= this.options.maxParticipants) {
      throw new RoomFullError(`room ${roomId} has ${room.peers.size} participants, the maximum`);
    }
    const participantId = randomUUID();
    const peer: Peer = {
      ...identity,
      participantId,
      roomId,
      media: room.media.addParticipant(participantId),
      joinedAt: Date.now(),
      notify,
    };
    for (const other of room.peers.values()) {
      other.notify('peerJoined', { participantId, displayName: peer.displayName });
    }
    room.peers.set(participantId, peer);
    this.options.events.emit('peerJoined', { roomId, participantId, userId: peer.userId, displayName: peer.displayName });
    return { room, peer };
  }

  async leave(peer: Peer): Promise<void> {
    const room = this.rooms.get(peer.roomId);
    if (!room || !room.peers.delete(peer.participantId)) return;
    await room.media.removeParticipant(peer.participantId);
    this.options.events.emit('peerLeft', {
      roomId: peer.roomId,
      participantId: peer.participantId,
      userId: peer.userId,
      displayName: peer.displayName,
    });
    for (const other of room.peers.values()) other.notify('peerLeft', { participantId: peer.participantId });
    if (room.peers.size === 0) await this.closeRoom(room);
  }

  async close(): Promise<void> {
    await Promise.all([...this.rooms.values()].map((room) => this.closeRoom(room)));
  }

  /**
   * Removes peers from a room (the owner closed it, or removed the member): each is told why with
   * a 'removed' event and loses its transports, producers and decoders at once.
   */
  async evict(roomId: string, reason: string, which: (peer: Peer) => boolean = () => true): Promise<number> {
    const room = this.rooms.get(roomId);
    if (!room) return 0;
    const peers = [...room.peers.values()].filter(which);
    for (const peer of peers) {
      peer.notify('removed', { reason });
      await this.leave(peer);
    }
    return peers.length;
  }

  /**
   * Closes the room here and tells its peers to join again ('roomReset'), as when its worker
   * died: the cluster does this when another node took the room over (they rejoin there).
   */
  async reset(roomId: string, reason: string): Promise<void> {
    const room = this.rooms.get(roomId);
    if (room) await this.resetRoom(room, reason);
  }

  private async closeRoom(room: Room): Promise<void> {
    if (this.rooms.get(room.id) !== room) return;
    this.rooms.delete(room.id);
    await room.media.close();
    this.emit('roomClosed', room.id);
  }

  private open(roomId: string): Promise<Room> {
    const existing = this.rooms.get(roomId);
    if (existing) return Promise.resolve(existing);
    return this.opening.open(roomId, () => this.create(roomId));
  }

  private async create(roomId: string): Promise<Room> {
    const { workers, network, analysis, metrics, logger } = this.options;
    const log = logger.child({ roomId });
    const media = await RoomMedia.create({
      roomId,
      worker: workers.next(),
      network,
      analysis,
      metrics,
      log: (level, msg, extra) => log[level](extra ?? {}, msg),
    });
    const room: Room = { id: roomId, media, peers: new Map() };
    media.on('videoTap', (participantId, tap) => this.emit('videoTap', { roomId, participantId, tap }));
    media.on('audioTap', (participantId, tap) => this.emit('audioTap', { roomId, participantId, tap }));
    media.on('routerLost', () => void this.onRouterLost(room));
    this.rooms.set(roomId, room);
    log.info({ routerId: media.router.id }, 'room opened');
    return room;
  }

  /**
   * The worker under this room died. Its transports are gone; the peers must join again (their
   * clients do this by themselves on 'roomReset') and get a router on a live worker.
   */
  private async onRouterLost(room: Room): Promise<void> {
    this.options.logger.warn({ roomId: room.id }, 'room lost its mediasoup worker; asking peers to rejoin');
    await this.resetRoom(room, 'media worker restarted');
  }

  private async resetRoom(room: Room, reason: string): Promise<void> {
    if (this.rooms.get(room.id) !== room) return;
    const peers = [...room.peers.values()];
    this.rooms.delete(room.id);
    await room.media.close().catch(() => {});
    for (const peer of peers) peer.notify('roomReset', { reason });
    this.emit('roomClosed', room.id);
  }
}
