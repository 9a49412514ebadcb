/**
 * Decode only what is analysed, under load too. Each participant's decoder gets the temporal layer that
 * carries the analysis rate (media/ingest/producer-tap.ts); when the analysis pool cannot keep up (it
 * analyses well under what that decoder delivers, and skips the rest), decoding those frames is wasted
 * work taken from the analysis itself, so the participant's decoder is given the next lower layer (half
 * the frames). Once the analysis keeps up with what it gets, the layer comes back, one step at a time and
 * not sooner than `raiseHoldMs` after a step down, so a machine at its limit does not flap between layers.
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
  /** fewer delivered frames than this in an interval say nothing (a stalled sender, a fresh join) */
  minFrames?: number;
}

interface Entry {
  decoder: LayeredDecoder;
  delivered: number;
  analysed: number;
  loweredAt: number;
}

export class DecodeGovernor {
  private readonly entries = new Map<string, Entry>();
  private readonly o: Required<DecodeGovernorOptions>;
  private timer: NodeJS.Timeout | undefined;
  /** steps down and up taken so far */
  readonly stats = { lowered: 0, raised: 0 };

  constructor(options: DecodeGovernorOptions = {}) {
    this.o = { intervalMs: 3000, lowerBelow: 0.6, raiseAbove: 0.9, raiseHoldMs: 20_000, minFrames: 5, ...options };
  }

  add(participantId: string, decoder: LayeredDecoder): void {
    if (decoder.temporalLayers <= 1) return; // nothing to thin out
    this.entries.set(participantId, { decoder, delivered: 0, analysed: 0, loweredAt: -Infinity });
  }

  remove(participantId: string): void {
    this.entries.delete(participantId);
  }

  delivered(participantId: string): void {
    const entry = this.entries.get(participantId);
    if (entry) entry.delivered++;
  }

  analysed(participantId: string): void {
    const entry = this.entries.get(participantId);
    if (entry) entry.analysed++;
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

  /** One look at every participant: compare, step, start counting afresh. */
  tick(now = performance.now()): void {
    for (const entry of this.entries.values()) {
      const { decoder, delivered, analysed } = entry;
      entry.delivered = 0;
      entry.analysed = 0;
      const layer = decoder.temporalLayer;
      if (layer === undefined || delivered < this.o.minFrames) continue;
      const share = analysed / delivered;
      if (share < this.o.lowerBelow && layer > 0) {
        entry.loweredAt = now;
        this.stats.lowered++;
        void decoder.setTemporalLayer(layer - 1);
      } else if (share >= this.o.raiseAbove && layer < (decoder.analysisLayer ?? layer) && now - entry.loweredAt >= this.o.raiseHoldMs) {
        this.stats.raised++;
        void decoder.setTemporalLayer(layer + 1);
      }
    }
  }
}
