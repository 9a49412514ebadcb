/**
 * LL-HLS edge: every node serves every room's stream, fetching it from the room's owner.
 *
 * - Request collapsing: one upstream request per key at a time (a part, a segment, a playlist
 *   for one `_HLS_msn`/`_HLS_part`), whatever the number of listeners asking for it; the
 *   others wait for the same answer.
 * - A short cache: media files (init, segments, parts) are immutable (their names are unique
 *   per stream) and kept 30 s; a blocking playlist answer for (msn, part) contains that part and
 *   is kept 2 s; a plain playlist 200 ms (under a part's duration, so players still see every part).
 * - Continuity across owners: when the room moves (failover) its new stream starts at media
 *   sequence 0 with new file names. The edge keeps the sequence numbers it hands out increasing:
 *   the new stream is shifted to follow the last one served, with the discontinuity sequence
 *   bumped, so players see one stream with a discontinuity instead of a stream that went back.
 *   Blocking reloads are translated back to the owner's numbers.
 * Cache rules for a CDN in front are in docs/CLUSTER.md.
 */

export interface UpstreamResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/** Fetches `/stream/<room>/<pathAndQuery>` from the room's owner. */
export type Upstream = (roomId: string, pathAndQuery: string) => Promise<UpstreamResponse>;

export type EdgeKind = 'playlist' | 'blocking-playlist' | 'part' | 'segment' | 'init';

const MEDIA_TTL_MS = 30_000;
const BLOCKING_PLAYLIST_TTL_MS = 2_000;
const PLAYLIST_TTL_MS = 200;
const MAX_CACHE_ENTRIES = 5_000;
const PASSED_HEADERS = ['content-type', 'cache-control', 'etag', 'access-control-allow-origin', 'retry-after'];

export interface EdgeStats {
  /** Requests served to listeners, by kind. */
  served: Record<EdgeKind, number>;
  /** Requests this edge made upstream, by kind. */
  upstream: Record<EdgeKind, number>;
}

export class HlsEdge {
  private readonly inflight = new Map<string, Promise<UpstreamResponse>>();
  private readonly cache = new Map<string, { expires: number; response: UpstreamResponse }>();
  private readonly continuity = new Map<string, StreamContinuity>();
  readonly stats: EdgeStats = { served: zero(), upstream: zero() };

  constructor(private readonly upstream: Upstream) {}

  /** The room's live playlist, optionally a blocking reload; `carry` is appended to every URI (the listener link). */
  async playlist(roomId: string, block: { msn: number; part: number | undefined } | undefined, carry = ''): Promise<UpstreamResponse> {
    const continuity = this.continuityOf(roomId);
    let path = 'live.m3u8';
    let kind: EdgeKind = 'playlist';
    if (block) {
      const msn = continuity.toUpstream(block.msn);
      if (msn >= 0) {
        path = `live.m3u8?_HLS_msn=${msn}${block.part === undefined ? '' : `&_HLS_part=${block.part}`}`;
        kind = 'blocking-playlist';
      }
    }
    this.stats.served[kind]++;
    let response = await this.collapsed(`${roomId}/${path}`, kind, kind === 'playlist' ? PLAYLIST_TTL_MS : BLOCKING_PLAYLIST_TTL_MS, () =>
      this.upstream(roomId, path),
    );
    // A blocking reload the owner cannot answer (a new owner's stream, numbered afresh): the plain playlist.
    if (kind === 'blocking-playlist' && (response.status === 400 || response.status === 503)) {
      response = await this.collapsed(`${roomId}/live.m3u8`, 'playlist', PLAYLIST_TTL_MS, () => this.upstream(roomId, 'live.m3u8'));
    }
    if (response.status !== 200) return response;
    let text = continuity.map(response.body.toString('utf8'));
    if (carry) text = text.replace(/^([^#\n][^\n]*)$/gm, `$1?${carry}`).replace(/URI="([^"]*)"/g, `URI="${'$1'}?${carry}"`);
    return { ...response, body: Buffer.from(text) };
  }

  /** An init segment, segment or part (immutable: cached and collapsed by name). */
  async file(roomId: string, name: string): Promise<UpstreamResponse> {
    const kind: EdgeKind = name.endsWith('.mp4') ? 'init' : /\.\d+\.m4s$/.test(name) ? 'part' : 'segment';
    this.stats.served[kind]++;
    return this.collapsed(`${roomId}/${name}`, kind, MEDIA_TTL_MS, () => this.upstream(roomId, name));
  }

  /** The room's stream is gone (no owner any more): forget its numbering only when nobody listens. */
  forget(roomId: string): void {
    this.continuity.delete(roomId);
  }

  private continuityOf(roomId: string): StreamContinuity {
    let c = this.continuity.get(roomId);
    if (!c) this.continuity.set(roomId, (c = new StreamContinuity()));
    return c;
  }

  private async collapsed(key: string, kind: EdgeKind, ttlMs: number, fetchIt: () => Promise<UpstreamResponse>): Promise<UpstreamResponse> {
    const now = Date.now();
    const hit = this.cache.get(key);
    if (hit && hit.expires > now) return hit.response;
    let pending = this.inflight.get(key);
    if (!pending) {
      this.stats.upstream[kind]++;
      pending = fetchIt()
        .then((r) => {
          const response = { status: r.status, headers: pick(r.headers), body: r.body };
          if (response.status === 200) this.remember(key, response, ttlMs);
          return response;
        })
        .finally(() => this.inflight.delete(key));
      this.inflight.set(key, pending);
    }
    return pending;
  }

  private remember(key: string, response: UpstreamResponse, ttlMs: number): void {
    this.cache.delete(key);
    this.cache.set(key, { expires: Date.now() + ttlMs, response });
    if (this.cache.size <= MAX_CACHE_ENTRIES) return;
    const now = Date.now();
    for (const [k, v] of this.cache) {
      if (this.cache.size <= MAX_CACHE_ENTRIES * 0.9) break;
      if (v.expires <= now || this.cache.size > MAX_CACHE_ENTRIES) this.cache.delete(k);
    }
  }
}

/**
 * Keeps one room's media sequence increasing across streams (owners). A stream is known by the
 * prefix of its file names.
 */
export class StreamContinuity {
  private streamId: string | undefined;
  private msnOffset = 0;
  private discontinuityOffset = 0;
  /** The highest (edge-numbered) media sequence a player may hold part of. */
  private lastMsn = -1;
  private lastDiscontinuity = 0;

  toUpstream(msn: number): number {
    return msn - this.msnOffset;
  }

  map(text: string): string {
    const id = /([0-9a-f]{8})-(?:init\d+\.mp4|\d+(?:\.\d+)?\.m4s)/.exec(text)?.[1];
    const sequence = Number(/^#EXT-X-MEDIA-SEQUENCE:(\d+)$/m.exec(text)?.[1] ?? NaN);
    const discontinuity = Number(/^#EXT-X-DISCONTINUITY-SEQUENCE:(\d+)$/m.exec(text)?.[1] ?? 0);
    if (!id || !Number.isFinite(sequence)) return text;
    if (this.streamId !== undefined && id !== this.streamId) {
      // A new stream: it follows the last segment any player may hold, one discontinuity later.
      this.msnOffset = this.lastMsn + 1 - sequence;
      this.discontinuityOffset = this.lastDiscontinuity + 1 - discontinuity;
    }
    this.streamId = id;
    const tags = (text.match(/^#EXT-X-DISCONTINUITY$/gm) ?? []).length;
    this.lastMsn = Math.max(this.lastMsn, lastStartedSegment(text, sequence) + this.msnOffset);
    this.lastDiscontinuity = Math.max(this.lastDiscontinuity, discontinuity + tags + this.discontinuityOffset);
    if (this.msnOffset === 0 && this.discontinuityOffset === 0) return text;
    return text
      .replace(/^#EXT-X-MEDIA-SEQUENCE:\d+$/m, `#EXT-X-MEDIA-SEQUENCE:${sequence + this.msnOffset}`)
      .replace(/^#EXT-X-DISCONTINUITY-SEQUENCE:\d+$/m, `#EXT-X-DISCONTINUITY-SEQUENCE:${discontinuity + this.discontinuityOffset}`);
  }
}

/**
 * The last segment a player may hold part of: the last complete one, or the one being written
 * when some of its parts are listed. (A player waiting for the first part of the next segment, as
 * the preload hint names it, must get the new stream's first segment under that number: hls.js
 * does not skip a whole missing segment.)
 */
function lastStartedSegment(text: string, firstSequence: number): number {
  let complete = 0;
  let partsOfOpen = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith('#EXT-X-PART:')) partsOfOpen++;
    else if (line.length > 0 && !line.startsWith('#')) {
      complete++;
      partsOfOpen = 0;
    }
  }
  return firstSequence + complete - 1 + (partsOfOpen > 0 ? 1 : 0);
}

function pick(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of PASSED_HEADERS) if (headers[name] !== undefined) out[name] = headers[name];
  return out;
}

function zero(): Record<EdgeKind, number> {
  return { playlist: 0, 'blocking-playlist': 0, part: 0, segment: 0, init: 0 };
}
