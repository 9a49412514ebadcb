/**
 * The sliding window of a live HLS media playlist with Low-Latency HLS partial segments, and
 * the bytes of its init segments, segments and parts (served from memory: a thousand
 * listeners fetch every segment, nothing is read from disk).
 *
 * The encoder hands in fMP4 fragments (parts) one by one; every `partsPerSegment` of them make
 * a segment. The playlist lists segments for every HLS player, and for LL-HLS players
 * (hls.js lowLatencyMode, Safari) also the parts of the last few segments, the part being
 * written (EXT-X-PRELOAD-HINT) and EXT-X-SERVER-CONTROL for blocking reloads. Legacy players
 * (VLC, TVs, ffprobe) ignore those tags and play the segments.
 *
 * Older segments stay fetchable for a while after they leave the playlist, for slow players.
 */

export interface LivePart {
  name: string;
  durationS: number;
  bytes: Buffer;
}

export interface LiveSegment {
  name: string;
  sequence: number;
  /** Sum of its parts' durations (so far, while it is being written). */
  durationS: number;
  /** Wall-clock time of the segment's first sample on the stream timeline (EXT-X-PROGRAM-DATE-TIME). */
  programDateMs: number;
  /** The first segment of a new encoder run (timestamps restart, a new init segment). */
  discontinuity: boolean;
  /** The init segment (EXT-X-MAP) its fragments need. */
  initName: string;
  parts: LivePart[];
  /** The parts' bytes in one piece, once the segment is complete. */
  bytes: Buffer | undefined;
}

export interface LivePlaylistOptions {
  /** Unique per stream, so names never repeat and every file can be cached for good. */
  prefix: string;
  /** Complete segments listed in the playlist. */
  windowSize: number;
  /** Segments kept fetchable after they leave the playlist. */
  keepAfterWindow: number;
  partsPerSegment: number;
  /** Duration of every part (the encoder cuts them at a fixed number of AAC frames), seconds. */
  partS: number;
  /** Parts the player should stay behind the newest part (PART-HOLD-BACK, ≥ 2 per the spec). */
  partHoldBackParts: number;
}

export type LiveFile = { kind: 'init' | 'media'; bytes: Buffer; etag: string };

/** Complete segments whose parts stay listed: the spec asks for about three target durations. */
const SEGMENTS_WITH_PARTS = 3;

export class LivePlaylist {
  private readonly segments: LiveSegment[] = [];
  private open: LiveSegment | undefined;
  private readonly files = new Map<string, LiveFile>();
  private readonly initUsers = new Map<string, number>();
  private initName = '';
  private runs = 0;
  private nextSequence = 0;
  private pendingDiscontinuity = false;
  /** Discontinuities that slid out of the playlist (EXT-X-DISCONTINUITY-SEQUENCE). */
  private discontinuitiesBefore = 0;
  private readonly targetDuration: number;
  private text = '';
  private withQuery: { query: string; text: string } | undefined;
  private changed = deferred();
  /** Increments with every change (the playlist's ETag). */
  version = 0;

  constructor(private readonly options: LivePlaylistOptions) {
    // A target duration never changes within a stream (RFC 8216 §6.2.1): segments are whole parts.
    this.targetDuration = Math.max(1, Math.round(options.partS * options.partsPerSegment));
  }

  /** EXT-X-TARGETDURATION, seconds. */
  get targetDurationS(): number {
    return this.targetDuration;
  }

  /** Complete segments listed. */
  get length(): number {
    return Math.min(this.segments.length, this.options.windowSize);
  }

  get lastSequence(): number | undefined {
    return this.segments.at(-1)?.sequence;
  }

  get lastSegment(): LiveSegment | undefined {
    return this.segments.at(-1);
  }

  /** The end of the newest part on the program-date clock (epoch ms), if any. */
  get endProgramDateMs(): number | undefined {
    const s = this.open ?? this.segments.at(-1);
    return s && s.programDateMs + s.durationS * 1000;
  }

  /** A new encoder run: its init segment. After an earlier run, the next segment is a discontinuity. */
  startRun(init: Buffer): void {
    this.endRun();
    this.initName = `${this.options.prefix}init${this.runs++}.mp4`;
    this.files.set(this.initName, { kind: 'init', bytes: init, etag: `"${this.initName}"` });
    this.initUsers.set(this.initName, 0);
    this.pendingDiscontinuity = this.nextSequence > 0;
  }

  /** The run ended (encoder exit): its unfinished segment is closed as it is. */
  endRun(): LiveSegment | undefined {
    const open = this.open;
    if (!open) return undefined;
    this.complete(open);
    return open;
  }

  /**
   * Adds the next part (programDateMs: its first sample on the program-date clock). Returns the
   * segment it completed, if any.
   */
  addPart(part: { bytes: Buffer; durationS: number; programDateMs: number }): LiveSegment | undefined {
    if (!this.initName) throw new Error('a part arrived before its init segment');
    let open = this.open;
    if (!open) {
      const sequence = this.nextSequence++;
      open = this.open = {
        name: `${this.options.prefix}${sequence}.m4s`,
        sequence,
        durationS: 0,
        programDateMs: part.programDateMs,
        discontinuity: this.pendingDiscontinuity,
        initName: this.initName,
        parts: [],
        bytes: undefined,
      };
      this.pendingDiscontinuity = false;
      this.initUsers.set(this.initName, (this.initUsers.get(this.initName) ?? 0) + 1);
    }
    const name = `${this.options.prefix}${open.sequence}.${open.parts.length}.m4s`;
    open.parts.push({ name, durationS: part.durationS, bytes: part.bytes });
    open.durationS += part.durationS;
    this.files.set(name, { kind: 'media', bytes: part.bytes, etag: `"${name}"` });
    if (open.parts.length >= this.options.partsPerSegment) {
      this.complete(open);
      return open;
    }
    this.changedNow();
    return undefined;
  }

  /** An init segment, segment or part by file name. */
  file(name: string): LiveFile | undefined {
    return this.files.get(name);
  }

  /** The part a player may ask for before it exists (EXT-X-PRELOAD-HINT). */
  get nextPartName(): string | undefined {
    if (!this.initName) return undefined;
    const open = this.open;
    return open ? `${this.options.prefix}${open.sequence}.${open.parts.length}.m4s` : `${this.options.prefix}${this.nextSequence}.0.m4s`;
  }

  /**
   * Whether the playlist already has what a blocking reload asks for (LL-HLS `_HLS_msn`,
   * `_HLS_part`): segment `msn` complete, or part `part` of segment `msn` (or anything later).
   */
  has(msn: number, part?: number): boolean {
    const last = this.segments.at(-1);
    if (part === undefined) return last !== undefined && last.sequence >= msn;
    const newest = this.open ?? last;
    if (!newest || newest.parts.length === 0) return false;
    return newest.sequence > msn || (newest.sequence === msn && newest.parts.length > part);
  }

  /** Resolves true once `ready()` holds, false after `timeoutMs`. */
  async waitUntil(ready: () => boolean, timeoutMs: number): Promise<boolean> {
    if (ready()) return true;
    let timedOut = false;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        timedOut = true;
        resolve();
      }, timeoutMs);
    });
    try {
      while (!ready()) {
        await Promise.race([this.changed.promise, timeout]);
        if (timedOut) return ready();
      }
      return true;
    } finally {
      clearTimeout(timer);
    }
  }

  /** The playlist text ('' until the first segment exists); `query` is appended to every URI. */
  toString(query = ''): string {
    if (!query || !this.text) return this.text;
    if (this.withQuery?.query !== query) {
      const text = this.text.replace(/^([^#\n][^\n]*)$/gm, `$1?${query}`).replace(/URI="([^"]*)"/g, `URI="$1?${query}"`);
      this.withQuery = { query, text };
    }
    return this.withQuery.text;
  }

  private complete(segment: LiveSegment): void {
    segment.bytes = segment.parts.length === 1 ? segment.parts[0]!.bytes : Buffer.concat(segment.parts.map((p) => p.bytes));
    this.files.set(segment.name, { kind: 'media', bytes: segment.bytes, etag: `"${segment.name}"` });
    this.segments.push(segment);
    this.open = undefined;
    const keep = this.options.windowSize + this.options.keepAfterWindow;
    while (this.segments.length > keep) this.evict(this.segments.shift()!);
    this.changedNow();
  }

  private evict(old: LiveSegment): void {
    this.files.delete(old.name);
    for (const p of old.parts) this.files.delete(p.name);
    if (old.discontinuity) this.discontinuitiesBefore++;
    const users = (this.initUsers.get(old.initName) ?? 1) - 1;
    if (users > 0 || old.initName === this.initName) this.initUsers.set(old.initName, users);
    else {
      this.initUsers.delete(old.initName);
      this.files.delete(old.initName);
    }
  }

  private changedNow(): void {
    this.version++;
    this.text = this.segments.length > 0 ? this.render() : '';
    this.withQuery = undefined;
    const changed = this.changed;
    this.changed = deferred();
    changed.resolve();
  }

  private render(): string {
    const { windowSize, partS, partHoldBackParts } = this.options;
    const window = this.segments.slice(-windowSize);
    const first = window[0]!;
    // A segment's discontinuity sequence number counts the discontinuities up to and including
    // it; the first listed segment's number is announced instead of its tag.
    let discontinuitySequence = this.discontinuitiesBefore;
    for (const s of this.segments) {
      if (s.discontinuity) discontinuitySequence++;
      if (s === first) break;
    }
    // PART-TARGET rounded up and durations rounded: no part is listed longer than the target.
    const partTarget = (Math.ceil(partS * 1e5) / 1e5).toFixed(5);
    const lines = [
      '#EXTM3U',
      '#EXT-X-VERSION:6',
      `#EXT-X-TARGETDURATION:${this.targetDuration}`,
      `#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=${(partS * partHoldBackParts).toFixed(3)}`,
      `#EXT-X-PART-INF:PART-TARGET=${partTarget}`,
      `#EXT-X-MEDIA-SEQUENCE:${first.sequence}`,
      `#EXT-X-DISCONTINUITY-SEQUENCE:${discontinuitySequence}`,
      '#EXT-X-INDEPENDENT-SEGMENTS',
      `#EXT-X-MAP:URI="${first.initName}"`,
    ];
    const withParts = window.length - SEGMENTS_WITH_PARTS;
    const listed = this.open ? [...window, this.open] : window;
    listed.forEach((s, i) => {
      if (s !== first && s.discontinuity) lines.push('#EXT-X-DISCONTINUITY', `#EXT-X-MAP:URI="${s.initName}"`);
      lines.push(`#EXT-X-PROGRAM-DATE-TIME:${new Date(s.programDateMs).toISOString()}`);
      if (i >= withParts) {
        // Every AAC frame decodes on its own: every part is independent.
        for (const p of s.parts) lines.push(`#EXT-X-PART:DURATION=${p.durationS.toFixed(5)},URI="${p.name}",INDEPENDENT=YES`);
      }
      if (s !== this.open) lines.push(`#EXTINF:${s.durationS.toFixed(5)},`, s.name);
    });
    lines.push(`#EXT-X-PRELOAD-HINT:TYPE=PART,URI="${this.nextPartName}"`);
    return lines.join('\n') + '\n';
  }
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}
