/**
 * Decode only what is analysed, under load too. Each participant's decoder gets the temporal layer that
 * carries the analysis rate (media/ingest/producer-tap.ts). When the analysis pool cannot keep up (it
 * analyses well under what the decoders deliver, and skips the rest), decoding those frames is wasted work
 * taken from the analysis itself, so every decoder is given one layer less (half the frames). Once the
 * analysis keeps up with what it gets, the layer comes back, one step at a time and not sooner than
 * `raiseHoldMs` after a step down, so a machine at its limit does not flap between layers.
 *
 * The step is the same for everyone (the pool is one shared budget): deciding per participant made two
 * classes, and those decoded at the lower layer got fewer analysed frames than the others (bench:ingest at
 * 40 participants: 2.70 against 3.43 frames/s).
 *
 *   const governor = new DecodeGovernor();
 *   governor.add(participantId, tap);          // a video tap with temporal layers
 *   governor.delivered(participantId);         // a decoded frame went to the analysis
 *   governor.analysed(participantId);          // the analysis gave a result for one
 *   governor.start();                          // looks every intervalMs
 */

/** What the governor needs of a video tap (media/ingest's VideoTap). */
export interface LayeredDecoder {
  /** temporal layers the sender codes (1: none) */
  readonly temporalLayers: number;
  /** the layer forwarded to the decoder now */
  readonly temporalLayer: number | undefined;
  /** the layer that carries the full analysis rate: never raised above it */
  readonly analysisLayer: number | undefined;
  setTemporalLayer(layer: number): Promise<void>;
}

export interface DecodeGovernorOptions {
  /** how often delivered and analysed frames are compared (default 3 s) */
  intervalMs?: number;
  /** lower the layer when fewer than this share of the delivered frames were analysed (default 0.6) */
  lowerBelow?: number;
  /** raise it again when at least this share was (default 0.9) */
  raiseAbove?: number;
  /** no step up sooner than this after a step down (default 20 s) */
  raiseHoldMs?: number;
  /** fewer delivered frames than this per participant in an interval say nothing (stalled senders, fresh joins) */
  minFrames?: number;
}

interface Entry {
  decoder: LayeredDecoder;
}

export class DecodeGovernor {
  private readonly entries = new Map<string, Entry>();
  private readonly o: Required<DecodeGovernorOptions>;
  private timer: NodeJS.Timeout | undefined;
  private deliveredFrames = 0;
  private analysedFrames = 0;
  private loweredAt = -Infinity;
  /** layers below its analysis layer that every decoder gets now (0: the full analysis rate) */
  drop = 0;
  /** steps down and up taken so far */
  readonly stats = { lowered: 0, raised: 0 };

  constructor(options: DecodeGovernorOptions = {}) {
    this.o = { intervalMs: 3000, lowerBelow: 0.6, raiseAbove: 0.9, raiseHoldMs: 20_000, minFrames: 5, ...options };
  }

  /** A new decoder starts at the layer everyone has now. */
  add(participantId: string, decoder: LayeredDecoder): void {
    if (decoder.temporalLayers <= 1) return; // nothing to thin out
    this.entries.set(participantId, { decoder });
    if (this.drop > 0) this.apply(decoder);
  }

  remove(participantId: string): void {
    this.entries.delete(participantId);
  }

  delivered(participantId: string): void {
    if (this.entries.has(participantId)) this.deliveredFrames++;
  }

  analysed(participantId: string): void {
    if (this.entries.has(participantId)) this.analysedFrames++;
  }

  /** Participants whose decoder gets fewer frames than the analysis rate, because the analysis is behind. */
  get lowered(): number {
    let n = 0;
    for (const { decoder } of this.entries.values()) if ((decoder.temporalLayer ?? 0) < (decoder.analysisLayer ?? 0)) n++;
    return n;
  }

  start(): void {
    this.timer ??= setInterval(() => this.tick(), this.o.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One look at the whole: compare what was analysed with what was delivered, step, count afresh. */
  tick(now = performance.now()): void {
    const { deliveredFrames: delivered, analysedFrames: analysed } = this;
    this.deliveredFrames = 0;
    this.analysedFrames = 0;
    if (delivered < this.o.minFrames * Math.max(1, this.entries.size)) return;
    const share = analysed / delivered;
    const deepest = Math.max(0, ...[...this.entries.values()].map(({ decoder }) => decoder.analysisLayer ?? 0));
    if (share < this.o.lowerBelow && this.drop < deepest) {
      this.drop++;
      this.loweredAt = now;
      this.stats.lowered++;
    } else if (share >= this.o.raiseAbove && this.drop > 0 && now - this.loweredAt >= this.o.raiseHoldMs) {
      this.drop--;
      this.stats.raised++;
    } else return;
    for (const { decoder } of this.entries.values()) this.apply(decoder);
  }

  private apply(decoder: LayeredDecoder): void {
    const layer = Math.max(0, (decoder.analysisLayer ?? 0) - this.drop);
    if (layer !== decoder.temporalLayer) void decoder.setTemporalLayer(layer);
  }
}
