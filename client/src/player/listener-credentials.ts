/**
 * Whose ears the player is: a listener link (a paired TV, a shared link), else the signed-in
 * member's session (client/src/dashboard/session.ts). The access token travels as a Bearer
 * header, never in a URL. When the server refuses, `diagnose` asks `/listener-access` why (which
 * also refreshes an expired session) and turns the answer into plain words.
 */
import { api, ApiError, loadSession } from '../dashboard/session.js';

export interface AccessProblem {
  /** True when trying again may work now (a session was just refreshed). */
  retry: boolean;
  status: number;
  message: string;
}

/** Refusals the player can explain, by who it listens as and what the server answered. */
export const ACCESS_MESSAGES = {
  linkRevoked: 'This screen’s link was revoked or is no longer valid. Pair it again with a new code.',
  roomGone: 'This room was closed or no longer exists.',
  notMember: 'You are signed in, but not as a member of this room. Ask its owner for a code to pair this screen.',
  signedOut: 'Your sign-in has expired. Sign in again, or pair this screen with a code.',
  notPaired: 'This screen is not paired with the room yet. Enter the code shown in the room.',
  unknown: 'The room refused to play here. Try pairing this screen again.',
} as const;

/** A refresh that keeps failing must not become a loop: at most one retry per this many ms. */
const RETRY_SPACING_MS = 10_000;

export class ListenerCredentials {
  private lastRetryAt = 0;

  constructor(private readonly listenToken: () => string) {}

  /** The access token to send, when listening as a signed-in member (no link). */
  bearer(): string | undefined {
    return this.listenToken() ? undefined : loadSession()?.accessToken;
  }

  /** fetch() with the member's Bearer token; on a 401 the session is refreshed and the request tried once more. */
  async fetch(url: string, init: RequestInit = {}): Promise<Response> {
    const send = () => {
      const bearer = this.bearer();
      return fetch(url, {
        ...init,
        headers: { ...(init.headers as Record<string, string>), ...(bearer ? { authorization: `Bearer ${bearer}` } : {}) },
      });
    };
    const response = await send();
    if (response.status !== 401 || !this.bearer()) return response;
    await this.refreshSession();
    return send();
  }

  /** Why the server refused (`status` from the stream), and whether to try again. */
  async diagnose(roomId: string, status: number): Promise<AccessProblem> {
    const link = this.listenToken();
    const path = `/api/rooms/${encodeURIComponent(roomId)}/listener-access`;
    let answer: number;
    try {
      if (link) {
        answer = (await fetch(`${path}?token=${encodeURIComponent(link)}`)).status;
      } else if (loadSession()) {
        // api() refreshes an expired access token on a 401 and saves the new session.
        await api('GET', path);
        answer = 200;
      } else {
        answer = 401;
      }
    } catch (err) {
      answer = err instanceof ApiError ? err.status : 0;
    }
    if (answer === 0) return { retry: true, status, message: '' }; // the network, not the room: keep trying
    if (answer === 200) {
      // Allowed now (a refreshed token): try again, but not in a loop.
      const now = Date.now();
      const retry = now - this.lastRetryAt > RETRY_SPACING_MS;
      if (retry) this.lastRetryAt = now;
      return { retry, status, message: retry ? '' : ACCESS_MESSAGES.unknown };
    }
    const message =
      answer === 404
        ? ACCESS_MESSAGES.roomGone
        : link
          ? ACCESS_MESSAGES.linkRevoked
          : answer === 403
            ? ACCESS_MESSAGES.notMember
            : loadSession()
              ? ACCESS_MESSAGES.signedOut
              : ACCESS_MESSAGES.notPaired;
    return { retry: false, status: answer, message };
  }

  private async refreshSession(): Promise<void> {
    // Any authenticated call refreshes the session on a 401 (session.ts); /api/me is the cheapest.
    await api('GET', '/api/me').catch(() => {});
  }
}
