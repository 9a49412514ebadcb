/**
 * Live events across nodes, over Redis pub/sub (server/signalling/PROTOCOL.md, "Live events").
 *
 * On the owner: a tap subscribes to its own LiveHub for every room it holds, as a signed-in
 * viewer (so it gets the label fields with userIds, never a user's per-modality detail), and
 * publishes what the hub sends it on the room's channel — through the fenced script, so a node
 * that lost the room cannot speak for it. The latest presence, room mood and now-playing go with
 * each message into a snapshot key, for watchers that arrive later.
 *
 * On any other node: the first local subscriber of a room subscribes the channel (and reads the
 * snapshot); messages reach the local subscribers through LiveHub.deliverRemote, which drops
 * userIds for anonymous sockets. Messages with a lower fencing token than one already seen for
 * the room (a stalled ex-owner) are dropped.
 *
 * Account decisions (room closed, member removed, listener link revoked, user data deleted, a
 * mood override set in the settings) are made on whichever node served the request; they are
 * relayed to every node's bus, so the owner evicts the peers and every node ends the watches.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { Redis } from 'ioredis';

import type { EventBus } from '../events.js';
import type { LiveHub, LiveSubscriber } from '../live/live-hub.js';
import type { ClusterKeys } from './keys.js';
import type { RoomOwnership } from './ownership.js';

/** Bus events that are account facts, true on every node (emitted by server/accounts). */
const RELAYED_BUS_EVENTS = [
  'roomClosedByOwner',
  'roomMemberRemoved',
  'listenerLinkRevoked',
  'userDataDeleted',
  'userSettingsChanged',
] as const;
/** A userId no account has: the tap is "signed in" only so the hub includes userIds. */
const TAP_USER = '\u0000cluster-tap';
const SNAPSHOT_EVENTS = new Set(['presence', 'roomMood', 'nowPlaying']);

interface LiveMessage {
  node: string;
  token: number;
  event: string;
  data: unknown;
}

export interface LiveBridgeOptions {
  redis: Redis;
  subscriber: Redis;
  keys: ClusterKeys;
  nodeId: string;
  ownership: RoomOwnership;
  live: LiveHub;
  events: EventBus;
  snapshotTtlMs: number;
  log: FastifyBaseLogger;
}

export class LiveBridge {
  private readonly taps = new Map<string, { unsubscribe: () => void; snapshot: Record<string, unknown> }>();
  private readonly remoteRooms = new Set<string>();
  private readonly highestToken = new Map<string, number>();
  private readonly syncTimer: NodeJS.Timeout;
  private readonly busChannel: string;
  private readonly busHandlers: [string, (payload: unknown) => void][] = [];
  /** Events this node re-emits from another node: not relayed back out. */
  private relaying = false;

  constructor(private readonly o: LiveBridgeOptions) {
    this.busChannel = `${o.keys.prefix}:bus`;
    o.subscriber.on('message', (channel: string, text: string) => this.onMessage(channel, text));
    void o.subscriber
      .subscribe(this.busChannel)
      .catch((err: unknown) => o.log.warn({ err: String(err) }, 'cluster: bus channel not subscribed (Redis down?)'));
    for (const name of RELAYED_BUS_EVENTS) {
      const handler = (payload: unknown) => {
        if (this.relaying) return;
        void o.redis.publish(this.busChannel, JSON.stringify({ node: o.nodeId, event: name, data: payload })).catch(() => {});
      };
      (o.events as unknown as { on(n: string, h: (p: unknown) => void): void }).on(name, handler);
      this.busHandlers.push([name, handler]);
    }
    o.live.setRoomWatchers({ first: (roomId) => this.watchRemote(roomId), last: (roomId) => this.unwatchRemote(roomId) });
    // Taps follow ownership: a room claimed or adopted gets one, a room given up loses it.
    this.syncTimer = setInterval(() => this.syncTaps(), 500);
    this.syncTimer.unref();
  }

  /** Subscribes a tap for every held room, drops taps of rooms no longer held. */
  syncTaps(): void {
    const held = new Set(this.o.ownership.heldRooms);
    for (const roomId of held) if (!this.taps.has(roomId)) this.addTap(roomId);
    for (const [roomId, tap] of this.taps) {
      if (held.has(roomId)) continue;
      tap.unsubscribe();
      this.taps.delete(roomId);
    }
  }

  close(): void {
    clearInterval(this.syncTimer);
    for (const tap of this.taps.values()) tap.unsubscribe();
    this.taps.clear();
    for (const [name, handler] of this.busHandlers)
      (this.o.events as unknown as { off(n: string, h: (p: unknown) => void): void }).off(name, handler);
  }

  private addTap(roomId: string): void {
    const snapshot: Record<string, unknown> = {};
    const tap: LiveSubscriber = {
      roomId,
      userId: TAP_USER,
      send: (event, data) => {
        if (SNAPSHOT_EVENTS.has(event)) snapshot[event] = data;
        const token = this.o.ownership.tokenOf(roomId);
        if (token === undefined) return;
        const message: LiveMessage = { node: this.o.nodeId, token, event, data };
        void this.o.ownership
          .fencedPublish(roomId, this.o.keys.liveChannel(roomId), JSON.stringify(message), {
            key: this.o.keys.roomSnapshot(roomId),
            value: JSON.stringify({ token, ...snapshot }),
            ttlMs: this.o.snapshotTtlMs,
          })
          .catch(() => {}); // Redis down: watchers on other nodes miss this one; the room runs on
      },
      endWatch: () => {},
    };
    this.taps.set(roomId, { unsubscribe: this.o.live.subscribe(tap), snapshot });
    // A fresh owner starts its watchers from the current state.
    tap.send('presence', { members: this.o.live.members(roomId, { userId: TAP_USER }) });
  }

  private watchRemote(roomId: string): void {
    if (this.remoteRooms.has(roomId)) return;
    this.remoteRooms.add(roomId);
    void this.o.subscriber.subscribe(this.o.keys.liveChannel(roomId)).catch(() => {});
    // Watchers start from the owner's latest state, unless this node is the owner.
    void this.o.redis
      .get(this.o.keys.roomSnapshot(roomId))
      .then((text) => {
        if (!text || this.o.ownership.holds(roomId) || !this.remoteRooms.has(roomId)) return;
        const { token, ...events } = JSON.parse(text) as Record<string, unknown> & { token: number };
        if (!this.accept(roomId, token)) return;
        for (const [event, data] of Object.entries(events)) this.o.live.deliverRemote(roomId, event, data);
      })
      .catch(() => {});
  }

  private unwatchRemote(roomId: string): void {
    if (!this.remoteRooms.delete(roomId)) return;
    void this.o.subscriber.unsubscribe(this.o.keys.liveChannel(roomId)).catch(() => {});
  }

  private onMessage(channel: string, text: string): void {
    let message: LiveMessage;
    try {
      message = JSON.parse(text) as LiveMessage;
    } catch {
      return;
    }
    if (message.node === this.o.nodeId) return; // our own hub already told our sockets
    if (channel === this.busChannel) {
      this.relaying = true;
      try {
        (this.o.events as unknown as { emit(n: string, p: unknown): void }).emit(message.event, message.data);
      } finally {
        this.relaying = false;
      }
      return;
    }
    const roomId = channel.slice(this.o.keys.liveChannel('').length);
    if (!this.remoteRooms.has(roomId) || this.o.ownership.holds(roomId)) return;
    if (!this.accept(roomId, message.token)) return;
    this.o.live.deliverRemote(roomId, message.event, message.data);
  }

  /** Fencing on the reader's side: nothing from an owner older than the newest one seen. */
  private accept(roomId: string, token: number): boolean {
    const highest = this.highestToken.get(roomId) ?? 0;
    if (token < highest) return false;
    this.highestToken.set(roomId, token);
    return true;
  }
}
