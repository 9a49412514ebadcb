/**
 * Live events for the sockets of a room (server/signalling/PROTOCOL.md, "Live events"): what
 * the mood engine, the music and the rooms publish on the bus, fanned out to every socket that
 * joined or watches the room.
 *
 * - participantMood: at most one per participant per `participantIntervalMs` (the latest wins; a
 *   trailing send makes sure the last state arrives). The per-modality detail (probabilities,
 *   face, voice, weights, override) goes only to sockets signed in as the same user (and to the
 *   participant's own socket, e.g. an anonymous kiosk); everyone else gets the label fields.
 *   userIds go only to signed-in subscribers.
 * - roomMood: at most one per room per `roomIntervalMs`, same trailing rule. One snapshot: the
 *   group mood, every member's mood, the pinned overrides and the music's target, all of one
 *   instant, so the screen cannot show them contradicting each other; `status` says when the
 *   room is empty or nobody's mood can be read yet.
 * - nowPlaying: when the pick becomes audible (held back until its start time); sent again for
 *   the same track when its story changes (a change waits, a journey step).
 * - presence: whenever someone joins, leaves, or starts / stops / pauses camera or microphone.
 * A short ring of each user's own detailed samples (recentMs) answers `watch`, so a dashboard
 * opened mid-session starts with the last minutes.
 */
import type { MoodPoint } from '../../vocabulary/circumplex.js';
import type {
  MemberMoodView,
  MemberView,
  NowPlayingView,
  ParticipantMoodView,
  PinnedMoodView,
  RoomMoodView,
} from '../../vocabulary/live-events.js';
import type { EventBus } from '../events.js';
import type { ParticipantMoodEvent, RoomMoodEvent } from '../mood/engine.js';
import type { NowPlayingEvent } from '../music/now-playing.js';
import type { RoomRegistry } from '../rooms/room-registry.js';
import { Throttle } from './throttle.js';

/** Where the music aims for a room in this mood (null: no music target); the music plugin provides it. */
export type MusicTargetSource = (roomId: string, mood: MoodPoint | null) => MoodPoint | null;

export interface LiveSubscriber {
  roomId: string;
  /** The signed-in user of the socket: their own participants' detail reaches them. */
  userId?: string | undefined;
  /** The participant this socket is (when joined): its own detail reaches it, signed in or not. */
  participantId?: string | undefined;
  /** A joined socket that asked for its own participantMood only (join's `moods: 'own'`); watching overrides it. */
  ownMoodsOnly?: boolean | undefined;
  /** Set while the socket watches the room: how it was let in (for revocation). */
  watch?: { userId?: string | undefined; linkId?: string | undefined } | undefined;
  send(event: string, data: unknown): void;
  /** The watch was revoked (link revoked, member removed, room closed). */
  endWatch(reason: string): void;
}

export interface LiveHubOptions {
  participantIntervalMs?: number;
  roomIntervalMs?: number;
  recentMs?: number;
  /** Most samples kept per user (a bound even if many of their participants send). */
  recentMax?: number;
  /** nowPlaying is held back until the track's start, but never longer than this. */
  maxNowPlayingDelayMs?: number;
}

interface RecentSample {
  roomId: string;
  t: number;
  data: ParticipantMoodView;
}

export class LiveHub {
  private readonly subscribers = new Map<string, Set<LiveSubscriber>>();
  private readonly roomMoods = new Map<string, RoomMoodView>();
  private readonly nowPlaying = new Map<string, NowPlayingView>();
  private readonly recentByUser = new Map<string, RecentSample[]>();
  private readonly participantThrottles = new Map<string, Throttle>();
  private readonly roomThrottles = new Map<string, Throttle>();
  private readonly nowPlayingTimers = new Map<string, NodeJS.Timeout>();
  private roomWatchers: { first(roomId: string): void; last(roomId: string): void } | undefined;
  private readonly sweeper: NodeJS.Timeout;
  private readonly o: Required<LiveHubOptions>;
  private musicTarget: MusicTargetSource = () => null;

  constructor(
    events: EventBus,
    private readonly registry: RoomRegistry,
    options: LiveHubOptions = {},
  ) {
    this.o = {
      participantIntervalMs: 500,
      roomIntervalMs: 1000,
      recentMs: 5 * 60_000,
      recentMax: 3000,
      maxNowPlayingDelayMs: 30_000,
      ...options,
    };
    events.on('participantMood', (e) =>
      this.throttle(this.participantThrottles, e.participantId, this.o.participantIntervalMs).run(() => this.publishParticipant(e)),
    );
    events.on('roomMood', (e) => this.throttle(this.roomThrottles, e.roomId, this.o.roomIntervalMs).run(() => this.publishRoom(e)));
    events.on('nowPlaying', (e) => this.scheduleNowPlaying(e));
    events.on('streamStopped', ({ roomId }) => {
      clearTimeout(this.nowPlayingTimers.get(roomId));
      this.nowPlayingTimers.delete(roomId);
      this.nowPlaying.delete(roomId);
    });
    events.on('peerJoined', ({ roomId }) => this.presenceChanged(roomId));
    events.on('peerLeft', ({ roomId, participantId }) => {
      this.participantThrottles.get(participantId)?.cancel();
      this.participantThrottles.delete(participantId);
      this.presenceChanged(roomId);
    });
    registry.on('roomClosed', (roomId) => {
      // Nobody is left to have a mood: a watcher of the empty room is told so at once (a pending,
      // throttled mood must not arrive after it).
      this.roomThrottles.get(roomId)?.cancel();
      this.roomThrottles.delete(roomId);
      this.roomMoods.delete(roomId);
      this.broadcast(roomId, 'roomMood', this.roomMood(roomId));
    });
    events.on('roomClosedByOwner', ({ roomId }) => this.endWatches(roomId, () => true, 'the owner closed the room'));
    events.on('roomMemberRemoved', ({ roomId, userId }) =>
      this.endWatches(roomId, (w) => w.userId === userId, 'you were removed from the room'),
    );
    events.on('listenerLinkRevoked', ({ roomId, linkId }) =>
      this.endWatches(roomId, (w) => w.linkId === linkId, 'the listener link was revoked'),
    );
    events.on('userDataDeleted', ({ userId }) => this.recentByUser.delete(userId));
    // Users who stopped sending: their old samples go even if nobody asks for them again.
    this.sweeper = setInterval(() => {
      for (const userId of [...this.recentByUser.keys()]) this.prune(userId);
    }, 60_000);
    this.sweeper.unref();
  }

  subscribe(subscriber: LiveSubscriber): () => void {
    let set = this.subscribers.get(subscriber.roomId);
    if (!set) {
      this.subscribers.set(subscriber.roomId, (set = new Set()));
      this.roomWatchers?.first(subscriber.roomId);
    }
    set.add(subscriber);
    return () => {
      set.delete(subscriber);
      if (set.size === 0 && this.subscribers.get(subscriber.roomId) === set) {
        this.subscribers.delete(subscriber.roomId);
        this.roomWatchers?.last(subscriber.roomId);
      }
    };
  }

  /**
   * Cluster (server/cluster/live-bridge.ts): told when a room gets its first subscriber here and
   * loses its last, so events of rooms owned by another node are fetched only while watched.
   */
  setRoomWatchers(watchers: { first(roomId: string): void; last(roomId: string): void }): void {
    this.roomWatchers = watchers;
  }

  /**
   * A live event of a room another node owns, as that node's hub sent it to a signed-in viewer
   * (labels with userIds, never anyone's detail): to every socket here, userIds only to signed-in ones.
   */
  deliverRemote(roomId: string, event: string, data: unknown): void {
    let anonymous: unknown;
    for (const sub of this.subscribers.get(roomId) ?? []) sub.send(event, sub.userId ? data : (anonymous ??= withoutUserIds(data)));
  }

  /** Who is in the room now; userIds only for a signed-in viewer. */
  members(roomId: string, viewer?: { userId?: string | undefined }): MemberView[] {
    const room = this.registry.rooms.get(roomId);
    if (!room) return [];
    return [...room.peers.values()].map((peer) => {
      const producers = [...peer.media.producers.values()];
      const sending = (kind: 'audio' | 'video') => producers.some((p) => p.kind === kind && !p.paused && !p.closed);
      return {
        participantId: peer.participantId,
        displayName: peer.displayName,
        ...(viewer?.userId && peer.userId ? { userId: peer.userId } : {}),
        since: peer.joinedAt,
        camera: sending('video'),
        mic: sending('audio'),
      };
    });
  }

  /** Where the music's target comes from (the music plugin calls this when it starts). */
  useMusicTarget(source: MusicTargetSource): void {
    this.musicTarget = source;
  }

  /** The room's latest mood snapshot; before any, 'listening' while someone is in it, else 'empty'. */
  roomMood(roomId: string): RoomMoodView {
    const known = this.roomMoods.get(roomId);
    if (known) return known;
    const members = this.members(roomId).map((m) => ({
      participantId: m.participantId,
      displayName: m.displayName,
      emotion: 'neutral' as const,
      confidence: 0,
      valence: 0,
      arousal: 0,
      source: 'fused' as const,
      counted: false,
    }));
    return {
      t: Date.now(),
      status: members.length ? 'listening' : 'empty',
      emotion: null,
      confidence: 0,
      valence: null,
      arousal: null,
      members: 0,
      agreeing: 0,
      unsure: false,
      memberMoods: members.map((m) => ({ ...m, unsure: false })),
      override: null,
      overrides: [],
      target: this.targetFor(roomId, null),
    };
  }

  currentTrack(roomId: string): NowPlayingView | null {
    return this.nowPlaying.get(roomId) ?? null;
  }

  /** The user's own detailed participantMood samples in this room over the last recentMs, oldest first. */
  recent(userId: string | undefined, roomId: string): ParticipantMoodView[] {
    if (!userId) return [];
    const ring = this.prune(userId);
    return ring.filter((s) => s.roomId === roomId).map((s) => s.data);
  }

  /** A peer's camera or microphone changed (signalling calls this after produce / pause / resume / close). */
  presenceChanged(roomId: string): void {
    const set = this.subscribers.get(roomId);
    if (!set?.size) return;
    let signedIn: MemberView[] | undefined;
    let anonymous: MemberView[] | undefined;
    for (const sub of set) {
      const members = sub.userId ? (signedIn ??= this.members(roomId, { userId: sub.userId })) : (anonymous ??= this.members(roomId));
      sub.send('presence', { members });
    }
  }

  close(): void {
    clearInterval(this.sweeper);
    for (const t of [...this.participantThrottles.values(), ...this.roomThrottles.values()]) t.cancel();
    for (const timer of this.nowPlayingTimers.values()) clearTimeout(timer);
    this.nowPlayingTimers.clear();
  }

  private throttle(map: Map<string, Throttle>, key: string, intervalMs: number): Throttle {
    let t = map.get(key);
    if (!t) map.set(key, (t = new Throttle(intervalMs)));
    return t;
  }

  private publishParticipant(e: ParticipantMoodEvent): void {
    const peer = this.registry.rooms.get(e.roomId)?.peers.get(e.participantId);
    const m = e.mood;
    const labels: ParticipantMoodView = {
      participantId: e.participantId,
      displayName: peer?.displayName ?? 'Guest',
      t: m.t,
      emotion: m.emotion,
      confidence: round(m.confidence),
      valence: round(m.valence),
      arousal: round(m.arousal),
      source: e.source,
    };
    const detail: ParticipantMoodView = {
      ...labels,
      ...(e.userId ? { userId: e.userId } : {}),
      // The sensed (fused) vector, also while an override pins the label: the chart shows both.
      probabilities: e.fused.probabilities.map(round),
      face: e.face ? e.face.map(round) : null,
      voice: e.voice ? e.voice.map(round) : null,
      weights: { face: round(e.fused.weights.face), voice: round(e.fused.weights.voice) },
      override: e.override ? { emotion: e.override.emotion, until: new Date(e.override.until).toISOString() } : null,
    };
    if (e.userId) this.remember(e.userId, { roomId: e.roomId, t: m.t, data: detail });
    for (const sub of this.subscribers.get(e.roomId) ?? []) {
      if ((e.userId && sub.userId === e.userId) || sub.participantId === e.participantId) sub.send('participantMood', detail);
      // A capture device in a room of fifty would otherwise get a hundred of these a second and drop them.
      else if (sub.ownMoodsOnly && !sub.watch) continue;
      else sub.send('participantMood', sub.userId && e.userId ? { ...labels, userId: e.userId } : labels);
    }
  }

  private publishRoom(e: RoomMoodEvent): void {
    const status = e.status ?? 'mood';
    const hasMood = status === 'mood';
    const names = new Map(this.members(e.roomId).map((m) => [m.participantId, m.displayName]));
    const memberMoods: MemberMoodView[] = (e.memberMoods ?? []).map((m) => ({
      participantId: m.participantId,
      displayName: m.displayName ?? names.get(m.participantId) ?? 'Guest',
      emotion: m.emotion,
      confidence: round(m.confidence),
      valence: round(m.valence),
      arousal: round(m.arousal),
      source: m.source,
      counted: m.counted,
      unsure: m.unsure ?? false,
    }));
    const overrides: PinnedMoodView[] = (e.overrides ?? []).map((o) => ({
      participantId: o.participantId,
      displayName: o.displayName ?? names.get(o.participantId) ?? 'Guest',
      emotion: o.emotion,
      until: o.until,
    }));
    const point = hasMood ? { valence: e.mood.valence, arousal: e.mood.arousal } : null;
    const view: RoomMoodView = {
      t: e.t,
      status,
      emotion: hasMood ? e.mood.emotion : null,
      confidence: hasMood ? round(e.mood.confidence) : 0,
      valence: point && round(point.valence),
      arousal: point && round(point.arousal),
      members: hasMood ? e.mood.members : 0,
      agreeing: hasMood ? (e.mood.agreeing ?? e.mood.members) : 0,
      unsure: hasMood && (e.unsure ?? false),
      memberMoods,
      override: overrides[0] ?? null,
      overrides,
      target: this.targetFor(e.roomId, point),
    };
    this.roomMoods.set(e.roomId, view);
    this.broadcast(e.roomId, 'roomMood', view);
  }

  private targetFor(roomId: string, mood: MoodPoint | null): { valence: number; arousal: number } | null {
    const target = this.musicTarget(roomId, mood);
    return target && { valence: round(target.valence), arousal: round(target.arousal) };
  }

  private scheduleNowPlaying(e: NowPlayingEvent): void {
    const { roomId, ...rest } = e;
    const view: NowPlayingView = rest;
    clearTimeout(this.nowPlayingTimers.get(roomId));
    const publish = () => {
      this.nowPlayingTimers.delete(roomId);
      this.nowPlaying.set(roomId, view);
      this.broadcast(roomId, 'nowPlaying', view);
    };
    const delay = Math.min(this.o.maxNowPlayingDelayMs, e.startedAt - Date.now());
    if (delay <= 0) return publish();
    const timer = setTimeout(publish, delay);
    timer.unref();
    this.nowPlayingTimers.set(roomId, timer);
  }

  private broadcast(roomId: string, event: string, data: unknown): void {
    for (const sub of this.subscribers.get(roomId) ?? []) sub.send(event, data);
  }

  private endWatches(roomId: string, which: (watch: NonNullable<LiveSubscriber['watch']>) => boolean, reason: string): void {
    for (const sub of [...(this.subscribers.get(roomId) ?? [])]) if (sub.watch && which(sub.watch)) sub.endWatch(reason);
  }

  private remember(userId: string, sample: RecentSample): void {
    const ring = this.prune(userId);
    ring.push(sample);
    if (ring.length > this.o.recentMax) ring.splice(0, ring.length - this.o.recentMax);
    this.recentByUser.set(userId, ring);
  }

  private prune(userId: string): RecentSample[] {
    const ring = this.recentByUser.get(userId) ?? [];
    const cutoff = Date.now() - this.o.recentMs;
    let drop = 0;
    while (drop < ring.length && ring[drop]!.t < cutoff) drop++;
    if (drop) ring.splice(0, drop);
    if (ring.length === 0) this.recentByUser.delete(userId);
    return ring;
  }
}

/** A copy without any `userId` field, at any depth (for sockets that are not signed in). */
function withoutUserIds(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutUserIds);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key]) => key !== 'userId')
      .map(([key, v]) => [key, withoutUserIds(v)]),
  );
}

function round(x: number): number {
  return Math.round(x * 10_000) / 10_000;
}
