/**
 * Keeps every player of a room at the same place in the music: they all aim at one position on
 * the stream's program-date clock (EXT-X-PROGRAM-DATE-TIME), "server now + playAtOffsetMs", so two
 * phones and a TV in one room sound as one. Each device's own clock may be seconds off, so the
 * server's clock is estimated from a few round trips to `/stream/clock` (the sample with the
 * shortest round trip wins, as in NTP). Large errors are corrected with a seek; small ones by
 * playing up to 3 % faster or slower (pitch kept), which nobody hears, where a seek would click.
 */

/** What `/stream/clock` answers. */
export interface ClockSample {
  nowMs: number;
  playAtOffsetMs: number;
}

/** Beyond this, seek: a rate change would take too long (300 ms at 3 % = 10 s). */
export const SEEK_THRESHOLD_MS = 300;
/** Within this, play at normal speed (rate changes cost a little CPU and nothing is gained). */
export const DEADBAND_MS = 8;
/** The largest speed change (0.97–1.03): inaudible with pitch kept. */
export const MAX_RATE_DELTA = 0.03;
/** Error (ms) at which the rate correction reaches its maximum: a time constant of ~1.5 s. */
const FULL_CORRECTION_MS = 45;

export type Correction = { kind: 'seek'; bySeconds: number } | { kind: 'rate'; rate: number };

/**
 * What to do about `errorMs` (playing position minus target on the program-date clock; positive:
 * this device is ahead). Pure, so it is unit-tested alone.
 */
export function correctionFor(errorMs: number): Correction {
  if (Math.abs(errorMs) > SEEK_THRESHOLD_MS) return { kind: 'seek', bySeconds: -errorMs / 1000 };
  if (Math.abs(errorMs) <= DEADBAND_MS) return { kind: 'rate', rate: 1 };
  const delta = Math.max(-MAX_RATE_DELTA, Math.min(MAX_RATE_DELTA, (errorMs / FULL_CORRECTION_MS) * MAX_RATE_DELTA));
  return { kind: 'rate', rate: Math.round((1 - delta) * 1000) / 1000 };
}

/** This device's wall clock, ms since the epoch, monotonic within the page (unlike Date.now()). */
export const localNowMs = (): number => performance.timeOrigin + performance.now();

/**
 * The server's clock as seen from this device: the offset from the round trip with the smallest
 * delay among the last few (its midpoint is closest to when the server read its clock).
 */
export class ServerClock {
  private samples: { offsetMs: number; rttMs: number }[] = [];
  playAtOffsetMs: number | undefined;

  constructor(private readonly url = '/stream/clock') {}

  get ready(): boolean {
    return this.samples.length > 0 && this.playAtOffsetMs !== undefined;
  }

  /** The server's time now, ms since the epoch (this device's clock until a sample arrived). */
  now(): number {
    const best = this.samples.reduce<{ offsetMs: number; rttMs: number } | undefined>(
      (a, s) => (!a || s.rttMs < a.rttMs ? s : a),
      undefined,
    );
    return localNowMs() + (best?.offsetMs ?? 0);
  }

  /** Takes `count` samples a little apart; throws only when none succeeded. */
  async measure(count = 5): Promise<void> {
    let lastError: unknown;
    for (let i = 0; i < count; i++) {
      try {
        await this.sample();
      } catch (err) {
        lastError = err;
      }
      await new Promise((r) => setTimeout(r, 60));
    }
    if (!this.ready) throw lastError instanceof Error ? lastError : new Error('the server clock could not be read');
  }

  private async sample(): Promise<void> {
    const sent = localNowMs();
    const response = await fetch(this.url, { cache: 'no-store' });
    const received = localNowMs();
    if (!response.ok) throw new Error(`the server clock answered ${response.status}`);
    const body = (await response.json()) as ClockSample;
    this.playAtOffsetMs = body.playAtOffsetMs;
    this.samples.push({ offsetMs: body.nowMs - (sent + received) / 2, rttMs: received - sent });
    // Keep recent samples only: the device clock may be adjusted (NTP) while the page lives.
    if (this.samples.length > 8) this.samples.shift();
  }
}

/** A stretch of media with its date on the program-date clock (an hls.js fragment or part). */
export interface DatedSpan {
  start: number;
  duration: number;
  programDateTime: number | null;
}

/** The program date (ms) at media time `t` (s), from the span that holds it. */
export function dateAtMediaTime(spans: readonly DatedSpan[], t: number): number | undefined {
  const span = spans.find((s) => s.programDateTime !== null && t >= s.start && t < s.start + s.duration);
  return span ? span.programDateTime! + (t - span.start) * 1000 : undefined;
}

/** The media time (s) that plays program date `dateMs`, from the span that holds it. */
export function mediaTimeAtDate(spans: readonly DatedSpan[], dateMs: number): number | undefined {
  const span = spans.find(
    (s) => s.programDateTime !== null && dateMs >= s.programDateTime && dateMs < s.programDateTime + s.duration * 1000,
  );
  return span ? span.start + (dateMs - span.programDateTime!) / 1000 : undefined;
}
