/**
 * Which rooms stream, and for how long: a room's stream starts when its first member joins
 * (bus 'peerJoined') or its first listener fetches the playlist, and stops `idleStopS` after the
 * last of both has gone. Listeners are the distinct clients that fetched the playlist within
 * the last `listenerWindowS` (players refetch a live playlist every segment or two).
 */
import type { Registry } from 'prom-client';

import type { EventBus, PeerInfo } from '../events.js';
import { OpenOnce } from '../open-once.js';
import { type Logger, type PlayEntry, type PublicTrack, RoomStream, type StreamSettings } from './room-stream.js';
import { createStreamMetrics, type StreamMetrics } from './stream-metrics.js';
import type { TrackSource } from './track-source.js';

export interface StreamManagerOptions {
  settings: StreamSettings;
  idleStopS: number;
  listenerWindowS: number;
  /** At most this many room streams run on this server at once (each is an encoder and a decoder process). */
  maxStreams?: number | undefined;
  registry: Registry;
  events: EventBus;
  log: Logger;
  /** Where picks come from (the music's recommender, or a fixed playlist): given once, here. */
  trackSource?: TrackSource | undefined;
}

export interface NowPlaying {
  roomId: string;
  streaming: boolean;
  listeners: number;
  /** The newest pick that is audible by now on the program-date clock (what a live listener hears). */
  current: PlayEntry | null;
  /** Recent picks, oldest first, including ones a listener behind the live edge has not reached yet. */
  history: PlayEntry[];
  queued: PublicTrack | null;
}

export class StreamUnavailableError extends Error {}

export class StreamManager {
  private readonly streams = new Map<string, RoomStream>();
  /** streams being started: two requests for a room's music get one stream */
  private readonly starting = new OpenOnce<RoomStream>();
  private readonly members = new Map<string, Set<string>>();
  private readonly listeners = new Map<string, Map<string, number>>();
  private readonly idleSince = new Map<string, number>();
  private readonly sweeper: NodeJS.Timeout;
  private readonly metrics: StreamMetrics;
  private closed = false;

  constructor(private readonly options: StreamManagerOptions) {
    this.metrics = createStreamMetrics(options.registry, {
      streams: () => this.streams.size,
      listeners: () => [...this.listeners.keys()].reduce((sum, room) => sum + this.listenerCount(room), 0),
    });
    options.events.on('peerJoined', this.onPeerJoined);
    options.events.on('peerLeft', this.onPeerLeft);
    this.sweeper = setInterval(() => void this.sweep(), 1000);
    this.sweeper.unref();
  }

  get(roomId: string): RoomStream | undefined {
    return this.streams.get(roomId);
  }

  get roomIds(): string[] {
    return [...this.streams.keys()];
  }

  /** The room's stream, started if it is not running. */
  ensure(roomId: string): Promise<RoomStream> {
    const running = this.streams.get(roomId);
    if (running) return Promise.resolve(running);
    return this.starting.open(roomId, () => this.start(roomId));
  }

  touchListener(roomId: string, clientKey: string): void {
    let clients = this.listeners.get(roomId);
    if (!clients) this.listeners.set(roomId, (clients = new Map()));
    clients.set(clientKey, Date.now());
  }

  listenerCount(roomId: string): number {
    const clients = this.listeners.get(roomId);
    if (!clients) return 0;
    const since = Date.now() - this.options.listenerWindowS * 1000;
    let count = 0;
    for (const [key, at] of clients) {
      if (at >= since) count++;
      else clients.delete(key);
    }
    return count;
  }

  /** The room's mood changed persistently (or a listener skipped): crossfade to a new pick. */
  async requestSwitch(roomId: string, reason: 'mood' | 'skip'): Promise<PublicTrack> {
    const stream = await this.ensure(roomId);
    return stream.requestSwitch(reason);
  }

  nowPlaying(roomId: string): NowPlaying {
    const stream = this.streams.get(roomId);
    const history = stream ? [...stream.history] : [];
    const now = Date.now();
    const audible = history.filter((e) => e.audibleAtMs <= now);
    return {
      roomId,
      streaming: Boolean(stream),
      listeners: this.listenerCount(roomId),
      current: audible.at(-1) ?? history[0] ?? null,
      history,
      queued: stream?.queued ?? null,
    };
  }

  async stop(roomId: string): Promise<void> {
    const stream = this.streams.get(roomId);
    if (!stream) return;
    this.streams.delete(roomId);
    this.idleSince.delete(roomId);
    await stream.stop();
    this.options.log.info({ roomId }, 'room stream stopped');
    this.options.events.emit('streamStopped', { roomId });
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.sweeper);
    this.options.events.off('peerJoined', this.onPeerJoined);
    this.options.events.off('peerLeft', this.onPeerLeft);
    await Promise.allSettled(this.starting.inFlight());
    await Promise.all([...this.streams.keys()].map((roomId) => this.stop(roomId)));
  }

  private async start(roomId: string): Promise<RoomStream> {
    if (this.closed) throw new StreamUnavailableError('the server is shutting down');
    const source = this.options.trackSource;
    if (!source) throw new StreamUnavailableError('no music source is configured on this server');
    // Streams still starting count too (this room's own start is not in `starting` yet: OpenOnce registers it after this call).
    const max = this.options.maxStreams ?? Infinity;
    if (this.streams.size + this.starting.size >= max) {
      throw new StreamUnavailableError(`this server is already playing music for ${max} rooms, its limit; try again in a few minutes`);
    }
    const stream = new RoomStream(roomId, source, this.options.settings, this.options.log);
    stream.on('segment', ({ lagS }) => this.metrics.segmentLag.observe(lagS));
    stream.on('encoderRestart', () => this.metrics.encoderRestarts.inc());
    stream.on('trackStarted', (entry) => {
      this.metrics.tracksStarted.inc({ reason: entry.reason });
      this.options.events.emit('trackStarted', { roomId, ...entry });
    });
    await stream.start();
    if (this.closed) {
      await stream.stop();
      throw new StreamUnavailableError('the server is shutting down');
    }
    this.streams.set(roomId, stream);
    this.options.log.info({ roomId }, 'room stream started');
    this.options.events.emit('streamStarted', { roomId });
    return stream;
  }

  private readonly onPeerJoined = (peer: PeerInfo): void => {
    let set = this.members.get(peer.roomId);
    if (!set) this.members.set(peer.roomId, (set = new Set()));
    set.add(peer.participantId);
    // No music yet (an empty library) is a state, not a fault: the room works without a stream.
    this.ensure(peer.roomId).catch((err: unknown) =>
      this.options.log.warn({ roomId: peer.roomId, err: String(err) }, 'could not start the room stream'),
    );
  };

  private readonly onPeerLeft = (peer: PeerInfo): void => {
    const set = this.members.get(peer.roomId);
    set?.delete(peer.participantId);
    if (set?.size === 0) this.members.delete(peer.roomId);
  };

  private async sweep(): Promise<void> {
    const now = Date.now();
    for (const roomId of [...this.streams.keys()]) {
      const inUse = (this.members.get(roomId)?.size ?? 0) > 0 || this.listenerCount(roomId) > 0;
      if (inUse) {
        this.idleSince.delete(roomId);
        continue;
      }
      const since = this.idleSince.get(roomId) ?? now;
      this.idleSince.set(roomId, since);
      if (now - since >= this.options.idleStopS * 1000) await this.stop(roomId);
    }
  }
}
