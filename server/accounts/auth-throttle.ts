/**
 * Brakes on the routes that guess secrets or make accounts (sign-up, log-in, refresh, log-out,
 * invite acceptance):
 * - per client address, one budget for all of them together (AUTH_RATE_LIMIT_MAX a minute), so
 *   being refused log-ins does not leave sign-up, refresh and invites open;
 * - per e-mail address, a lock-out after repeated wrong passwords, growing with each further
 *   failure, whatever address the guesses come from. It applies to unknown addresses as well, so
 *   it says nothing about which accounts exist.
 * Both are kept in this process's memory (a cluster node brakes on what it sees).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';

import { HttpError } from '../http/http-error.js';

export class TooManyRequestsError extends HttpError {
  constructor(
    readonly retryAfterS: number,
    message: string,
  ) {
    super(429, message);
  }
}

const WINDOW_MS = 60_000;
/** Wrong passwords for one e-mail address before it is locked. */
export const LOGIN_FAILURES_BEFORE_LOCK = 5;
const FIRST_LOCK_MS = 30_000;
const MAX_LOCK_MS = 15 * 60_000;
/** Failures older than this are forgotten. */
const FAILURE_MEMORY_MS = 15 * 60_000;

export class AuthThrottle {
  private readonly windows = new Map<string, { start: number; count: number }>();
  private readonly failures = new Map<string, { count: number; last: number; lockedUntil: number }>();

  constructor(private readonly perAddressPerMinute: number) {}

  /** preHandler for every auth route: one shared budget per client address. */
  readonly perAddress = async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const now = Date.now();
    let window = this.windows.get(request.ip);
    if (!window || now - window.start >= WINDOW_MS) {
      if (this.windows.size > 50_000) this.sweep(now);
      window = { start: now, count: 0 };
      this.windows.set(request.ip, window);
    }
    window.count += 1;
    if (window.count > this.perAddressPerMinute) {
      const retryAfterS = Math.ceil((window.start + WINDOW_MS - now) / 1000);
      void reply.header('retry-after', String(retryAfterS));
      throw new TooManyRequestsError(retryAfterS, `too many sign-in requests from this address; retry in ${retryAfterS} s`);
    }
  };

  /** Throws 429 while the e-mail address is locked out. */
  checkLogin(email: string, reply: FastifyReply): void {
    const entry = this.failures.get(email.toLowerCase());
    const now = Date.now();
    if (entry && entry.lockedUntil > now) {
      const retryAfterS = Math.ceil((entry.lockedUntil - now) / 1000);
      void reply.header('retry-after', String(retryAfterS));
      throw new TooManyRequestsError(retryAfterS, `too many wrong passwords for this account; retry in ${retryAfterS} s`);
    }
  }

  loginFailed(email: string): void {
    const key = email.toLowerCase();
    const now = Date.now();
    const previous = this.failures.get(key);
    const entry = previous && now - previous.last < FAILURE_MEMORY_MS ? previous : { count: 0, last: now, lockedUntil: 0 };
    entry.count += 1;
    entry.last = now;
    if (entry.count >= LOGIN_FAILURES_BEFORE_LOCK) {
      entry.lockedUntil = now + Math.min(MAX_LOCK_MS, FIRST_LOCK_MS * 2 ** (entry.count - LOGIN_FAILURES_BEFORE_LOCK));
    }
    if (this.failures.size > 50_000) this.sweep(now);
    this.failures.set(key, entry);
  }

  loginSucceeded(email: string): void {
    this.failures.delete(email.toLowerCase());
  }

  private sweep(now: number): void {
    for (const [k, w] of this.windows) if (now - w.start >= WINDOW_MS) this.windows.delete(k);
    for (const [k, f] of this.failures) if (now - f.last >= FAILURE_MEMORY_MS && f.lockedUntil <= now) this.failures.delete(k);
  }
}
