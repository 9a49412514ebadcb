/**
 * A room's live state, kept up to date from the signalling socket without sending any media:
 * `watch` seeds it (members, group mood, what plays, the viewer's own recent moods), then the
 * room's events update it. Reconnects by itself (SignallingClient) and watches again.
 * Fires `change` whenever something changed, and `error` (detail: message) when watching fails.
 */
import type { MemberView, NowPlayingView, ParticipantMoodView, RoomMoodView, WatchReply } from '../../../vocabulary/live-events.js';
import { RequestError, SignallingClient } from '../signalling-client.js';

/** How much mood history the feed keeps (the server seeds the last 5 minutes). */
export const FEED_WINDOW_MS = 5 * 60_000;

export class RoomFeed extends EventTarget {
  members: MemberView[] = [];
  roomMood: RoomMoodView | null = null;
  nowPlaying: NowPlayingView | null = null;
  /** The viewer's own mood readings (with face/voice detail), oldest first. */
  ownMoods: ParticipantMoodView[] = [];
  /** The latest label-only mood of every participant, for the presence list. */
  latestByParticipant = new Map<string, ParticipantMoodView>();
  watching = false;
  error = '';

  private signalling: SignallingClient | undefined;
  private retriedAuth = false;

  /**
   * @param token returns the access or listener-link token to watch with (called on every
   *   (re)connect, so a refreshed access token is used); `refreshToken` is tried once after an
   *   `unauthorized` answer.
   */
  constructor(
    readonly roomId: string,
    private readonly token: () => string | undefined,
    private readonly refreshToken?: () => Promise<void>,
  ) {
    super();
  }

  start(): void {
    if (this.signalling) return;
    const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;
    const signalling = new SignallingClient(url);
    this.signalling = signalling;
    signalling.on('open', () => void this.watch());
    signalling.on('close', () => {
      this.watching = false;
      this.changed();
    });
    signalling.on('participantMood', (data) => this.addMood(data as ParticipantMoodView));
    signalling.on('roomMood', (data) => {
      this.roomMood = data as RoomMoodView;
      this.changed();
    });
    signalling.on('nowPlaying', (data) => {
      this.nowPlaying = data as NowPlayingView;
      this.changed();
    });
    signalling.on('presence', (data) => {
      this.members = (data as { members: MemberView[] }).members ?? [];
      const present = new Set(this.members.map((m) => m.participantId));
      this.latestByParticipant = new Map([...this.latestByParticipant].filter(([id]) => present.has(id)));
      this.changed();
    });
    // The server ended the watch (the listener link was revoked, the room closed).
    signalling.on('unwatched', (data) => {
      this.fail((data as { reason?: string } | undefined)?.reason ?? 'the server ended watching this room');
      this.stop();
    });
    signalling.on('removed', (data) => {
      this.fail((data as { reason?: string } | undefined)?.reason ?? 'you were removed from the room');
      this.stop();
    });
    signalling.start();
  }

  stop(): void {
    this.signalling?.stop();
    this.signalling = undefined;
    this.watching = false;
  }

  private async watch(): Promise<void> {
    const signalling = this.signalling;
    if (!signalling) return;
    const token = this.token();
    try {
      const reply = await signalling.request<WatchReply>('watch', { roomId: this.roomId, ...(token ? { token } : {}) });
      this.retriedAuth = false;
      this.watching = true;
      this.error = '';
      this.members = reply.members ?? [];
      this.roomMood = reply.roomMood ?? null;
      this.nowPlaying = reply.nowPlaying ?? this.nowPlaying;
      // Readings pushed while the reply travelled are kept: merge by time, no duplicates.
      const seen = new Set(this.ownMoods.map((m) => `${m.participantId}@${m.t}`));
      const seeded = (reply.recent ?? []).filter((m) => !seen.has(`${m.participantId}@${m.t}`));
      this.ownMoods = [...seeded, ...this.ownMoods].sort((a, b) => a.t - b.t);
      this.trim();
      this.changed();
    } catch (err) {
      if (err instanceof RequestError && err.code === 'unauthorized' && this.refreshToken && !this.retriedAuth) {
        // An expired access token: refresh it once and watch again.
        this.retriedAuth = true;
        await this.refreshToken().catch(() => {});
        return this.watch();
      }
      if (err instanceof RequestError && (err.code === 'disconnected' || err.code === 'not-connected')) return; // 'open' runs us again
      this.fail(err instanceof Error ? err.message : String(err));
    }
  }

  /**
   * A reading of the viewer's own that arrived elsewhere: the capture socket's, in a room where
   * this watch socket is anonymous and gets labels only. Kept once if both sockets deliver it.
   */
  addOwnMood(mood: ParticipantMoodView): void {
    if (this.keepOwn(mood)) this.changed();
  }

  private addMood(mood: ParticipantMoodView): void {
    // New objects, not mutations: lit components see a change by reference.
    this.latestByParticipant = new Map(this.latestByParticipant).set(mood.participantId, mood);
    this.keepOwn(mood);
    this.changed();
  }

  /** Adds a detailed reading to ownMoods, in time order, unless it is there already; true when added. */
  private keepOwn(mood: ParticipantMoodView): boolean {
    if (!isDetailed(mood) || this.hasOwn(mood)) return false;
    const outOfOrder = mood.t < (this.ownMoods.at(-1)?.t ?? -Infinity);
    this.ownMoods = [...this.ownMoods, mood];
    if (outOfOrder) this.ownMoods.sort((a, b) => a.t - b.t);
    this.trim();
    return true;
  }

  /** Whether this reading (participant and time) is already in ownMoods; looks at the newest end only. */
  private hasOwn(mood: ParticipantMoodView): boolean {
    for (let i = this.ownMoods.length - 1; i >= 0; i--) {
      const m = this.ownMoods[i]!;
      if (m.participantId === mood.participantId && m.t === mood.t) return true;
      if (m.t < mood.t - 60_000) return false;
    }
    return false;
  }

  private trim(): void {
    const horizon = Date.now() - FEED_WINDOW_MS;
    const first = this.ownMoods.findIndex((m) => m.t >= horizon);
    this.ownMoods = first < 0 ? [] : first > 0 ? this.ownMoods.slice(first) : this.ownMoods;
  }

  private fail(message: string): void {
    this.error = message;
    this.watching = false;
    this.dispatchEvent(new CustomEvent('error', { detail: message }));
    this.changed();
  }

  private changed(): void {
    this.dispatchEvent(new Event('change'));
  }
}

/** Whether a mood event carries the per-modality detail (it is about the viewer's own user). */
export function isDetailed(mood: ParticipantMoodView): boolean {
  return Array.isArray(mood.probabilities) || mood.weights !== undefined;
}
