/**
 * Short pairing codes for "Show on TV": the room owner asks for a code, a TV (no account, no
 * keyboard worth typing a URL on) enters it or opens the QR code's URL, and gets a listener link.
 *
 * The rules, each enforced here:
 * - 6 characters from an alphabet without look-alikes (no 0/O, 1/I/L): easy to read across a room.
 * - Expire after 10 minutes; single use (claiming deletes the code).
 * - One live code per room: asking again replaces the previous code.
 * - Rate limits: failed claims per client address (a guesser is locked out for the window), failed
 *   claims across all addresses (a distributed guesser), and codes created per room.
 * With ~30^6 ≈ 7·10^8 codes and a handful live at once, the limits make guessing hopeless.
 *
 * Codes live in memory on the node that made them: they are short-lived and cheap to ask for
 * again, and the link a claim creates is in the database like any other listener link.
 */
import { randomInt } from 'node:crypto';

export const PAIRING_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
export const PAIRING_CODE_LENGTH = 6;

export interface PairingOptions {
  ttlMs: number;
  /** Failed claims one address may make per window before it is refused (429). */
  maxFailuresPerAddress: number;
  /** Failed claims all addresses together may make per window. */
  maxFailuresOverall: number;
  /** Codes one room may ask for per window. */
  maxCodesPerRoom: number;
  windowMs: number;
  now: () => number;
}

export const DEFAULT_PAIRING_OPTIONS: PairingOptions = {
  ttlMs: 10 * 60_000,
  maxFailuresPerAddress: 10,
  maxFailuresOverall: 500,
  maxCodesPerRoom: 30,
  windowMs: 10 * 60_000,
  now: Date.now,
};

/** A refused create or claim, with the HTTP status and a message a person understands. */
export class PairingError extends Error {
  constructor(
    readonly statusCode: 404 | 429,
    message: string,
    readonly retryAfterS?: number,
  ) {
    super(message);
    this.name = 'PairingError';
  }
}

export const INVALID_CODE_MESSAGE = 'That code is not valid. A code works once, for 10 minutes: ask for a new one in the room.';

interface LiveCode {
  code: string;
  roomId: string;
  createdBy: string;
  expiresAt: number;
}

/** Counts events per key over a fixed window (cheap, and exact enough for a lockout). */
class WindowCounter {
  private readonly counts = new Map<string, { since: number; n: number }>();
  constructor(
    private readonly windowMs: number,
    private readonly now: () => number,
    private readonly maxKeys = 10_000,
  ) {}

  count(key: string): number {
    const entry = this.counts.get(key);
    return entry && this.now() - entry.since < this.windowMs ? entry.n : 0;
  }

  add(key: string): void {
    const now = this.now();
    const entry = this.counts.get(key);
    if (entry && now - entry.since < this.windowMs) entry.n++;
    else {
      this.counts.delete(key);
      this.counts.set(key, { since: now, n: 1 });
    }
    // Bounded memory under a flood of addresses: the oldest windows go first.
    while (this.counts.size > this.maxKeys) this.counts.delete(this.counts.keys().next().value!);
  }

  /** Seconds until the key's window ends. */
  retryAfterS(key: string): number {
    const entry = this.counts.get(key);
    return entry ? Math.max(1, Math.ceil((entry.since + this.windowMs - this.now()) / 1000)) : 1;
  }
}

/** Upper case, without the spaces and dashes people type between groups. */
export function normaliseCode(input: string): string {
  return input.toUpperCase().replace(/[\s-]/g, '');
}

export class PairingCodes {
  private readonly byCode = new Map<string, LiveCode>();
  private readonly byRoom = new Map<string, string>();
  private readonly failures: WindowCounter;
  private readonly created: WindowCounter;
  private readonly o: PairingOptions;

  constructor(options: Partial<PairingOptions> = {}) {
    this.o = { ...DEFAULT_PAIRING_OPTIONS, ...options };
    this.failures = new WindowCounter(this.o.windowMs, this.o.now);
    this.created = new WindowCounter(this.o.windowMs, this.o.now);
  }

  /** A fresh code for the room (its previous code stops working). */
  create(roomId: string, createdBy: string): { code: string; expiresAt: number } {
    if (this.created.count(roomId) >= this.o.maxCodesPerRoom) {
      throw new PairingError(429, 'Too many pairing codes for this room just now. Wait a few minutes.', this.created.retryAfterS(roomId));
    }
    this.created.add(roomId);
    this.sweep();
    this.cancel(roomId);
    let code: string;
    do code = Array.from({ length: PAIRING_CODE_LENGTH }, () => PAIRING_ALPHABET[randomInt(PAIRING_ALPHABET.length)]).join('');
    while (this.byCode.has(code));
    const live = { code, roomId, createdBy, expiresAt: this.o.now() + this.o.ttlMs };
    this.byCode.set(code, live);
    this.byRoom.set(roomId, code);
    return { code, expiresAt: live.expiresAt };
  }

  /** The room's live code, if any (the owner's share panel shows it again after a reload). */
  current(roomId: string): { code: string; expiresAt: number } | undefined {
    this.sweep();
    const code = this.byRoom.get(roomId);
    const live = code ? this.byCode.get(code) : undefined;
    return live && { code: live.code, expiresAt: live.expiresAt };
  }

  /** Stops the room's code (the owner cancelled it, or the room closed). */
  cancel(roomId: string): void {
    const code = this.byRoom.get(roomId);
    if (code) this.byCode.delete(code);
    this.byRoom.delete(roomId);
  }

  /**
   * Spends the code: the room it pairs with, or a PairingError (404 for any unknown, expired or
   * spent code alike, so a guesser learns nothing; 429 when this address or everyone together
   * failed too often).
   */
  claim(input: string, address: string): { roomId: string; createdBy: string } {
    const addressKey = `addr:${address}`;
    if (this.failures.count(addressKey) >= this.o.maxFailuresPerAddress) {
      throw new PairingError(
        429,
        'Too many wrong codes from this screen. Wait a few minutes, then try again.',
        this.failures.retryAfterS(addressKey),
      );
    }
    if (this.failures.count('all') >= this.o.maxFailuresOverall) {
      throw new PairingError(
        429,
        'Pairing is paused for a few minutes after many wrong codes. Try again shortly.',
        this.failures.retryAfterS('all'),
      );
    }
    this.sweep();
    const live = this.byCode.get(normaliseCode(input));
    if (!live) {
      this.failures.add(addressKey);
      this.failures.add('all');
      throw new PairingError(404, INVALID_CODE_MESSAGE);
    }
    this.byCode.delete(live.code);
    this.byRoom.delete(live.roomId);
    return { roomId: live.roomId, createdBy: live.createdBy };
  }

  private sweep(): void {
    const now = this.o.now();
    for (const [code, live] of this.byCode) {
      if (live.expiresAt > now) continue;
      this.byCode.delete(code);
      if (this.byRoom.get(live.roomId) === code) this.byRoom.delete(live.roomId);
    }
  }
}
