/**
 * The sliding window of a live HLS media playlist, and the segments' bytes (served from memory:
 * a thousand listeners fetch every segment, the disk is read once). Older segments stay
 * fetchable for a while after they leave the playlist, for slow players.
 */

export interface LiveSegment {
  name: string;
  sequence: number;
  durationS: number;
  /** Wall-clock time of the segment's first sample on the stream timeline (EXT-X-PROGRAM-DATE-TIME). */
  programDateMs: number;
  /** The first segment of a new encoder run (timestamps restart). */
  discontinuity: boolean;
  bytes: Buffer;
}

export interface LivePlaylistOptions {
  /** Segments listed in the playlist. */
  windowSize: number;
  /** Segments kept fetchable after they leave the playlist. */
  keepAfterWindow: number;
  /** Nominal segment duration, seconds (EXT-X-TARGETDURATION is at least its rounded value). */
  segmentS: number;
}

export class LivePlaylist {
  private readonly segments: LiveSegment[] = [];
  private readonly byName = new Map<string, LiveSegment>();
  /** Discontinuities that slid out of the playlist (EXT-X-DISCONTINUITY-SEQUENCE). */
  private discontinuitiesBefore = 0;
  private text = '';
  private targetDuration: number;

  constructor(private readonly options: LivePlaylistOptions) {
    this.targetDuration = Math.max(1, Math.ceil(options.segmentS));
  }

  get length(): number {
    return this.windowSegments().length;
  }

  get lastSequence(): number | undefined {
    return this.segments.at(-1)?.sequence;
  }

  get lastSegment(): LiveSegment | undefined {
    return this.segments.at(-1);
  }

  /** Adds a finished segment; returns the segments that are no longer fetchable (to delete). */
  add(segment: LiveSegment): LiveSegment[] {
    this.segments.push(segment);
    this.byName.set(segment.name, segment);
    // A target duration may grow but never shrink within a stream (RFC 8216 §6.2.1).
    this.targetDuration = Math.max(this.targetDuration, Math.round(segment.durationS));
    const evicted: LiveSegment[] = [];
    const keep = this.options.windowSize + this.options.keepAfterWindow;
    while (this.segments.length > keep) {
      const old = this.segments.shift()!;
      this.byName.delete(old.name);
      if (old.discontinuity) this.discontinuitiesBefore++;
      evicted.push(old);
    }
    this.text = this.render();
    return evicted;
  }

  segment(name: string): LiveSegment | undefined {
    return this.byName.get(name);
  }

  /** The playlist text ('' until the first segment exists). */
  toString(): string {
    return this.text;
  }

  private windowSegments(): LiveSegment[] {
    return this.segments.slice(-this.options.windowSize);
  }

  private render(): string {
    const window = this.windowSegments();
    const first = window[0]!;
    // A segment's discontinuity sequence number counts the discontinuities up to and including
    // it; the first listed segment's number is announced instead of its tag.
    let discontinuitySequence = this.discontinuitiesBefore;
    for (const s of this.segments) {
      if (s.discontinuity) discontinuitySequence++;
      if (s === first) break;
    }
    const lines = [
      '#EXTM3U',
      '#EXT-X-VERSION:3',
      `#EXT-X-TARGETDURATION:${this.targetDuration}`,
      `#EXT-X-MEDIA-SEQUENCE:${first.sequence}`,
      `#EXT-X-DISCONTINUITY-SEQUENCE:${discontinuitySequence}`,
      '#EXT-X-INDEPENDENT-SEGMENTS',
    ];
    for (const s of window) {
      if (s.discontinuity && s !== first) lines.push('#EXT-X-DISCONTINUITY');
      lines.push(`#EXT-X-PROGRAM-DATE-TIME:${new Date(s.programDateMs).toISOString()}`);
      lines.push(`#EXTINF:${s.durationS.toFixed(5)},`, s.name);
    }
    return lines.join('\n') + '\n';
  }
}
