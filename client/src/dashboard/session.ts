/**
 * The signed-in session in the browser, and fetch() with it. The refresh token lives in
 * localStorage (so a reload stays signed in); the access token is refreshed on a 401 and the
 * request retried once. Other pages read the current session with loadSession().
 */
export interface SessionUser {
  id: string;
  displayName: string;
  email: string | null;
  guest: boolean;
}

export interface StoredSession {
  user: SessionUser;
  accessToken: string;
  refreshToken: string;
}

const KEY = 'moodify.session';

export function loadSession(): StoredSession | undefined {
  try {
    const raw = localStorage.getItem(KEY);
    return raw ? (JSON.parse(raw) as StoredSession) : undefined;
  } catch {
    return undefined;
  }
}

export function saveSession(session: StoredSession | undefined): void {
  if (session) localStorage.setItem(KEY, JSON.stringify(session));
  else localStorage.removeItem(KEY);
  window.dispatchEvent(new CustomEvent('moodify-session', { detail: session }));
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

async function exchange(session: StoredSession): Promise<StoredSession | undefined> {
  const response = await fetch('/api/auth/refresh', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ refreshToken: session.refreshToken }),
  });
  if (response.status === 401) return undefined;
  // A 429 or a network error is not a sign-out: keep the session and let the caller retry later.
  if (!response.ok) throw new ApiError(response.status, `could not refresh the session (${response.status})`);
  const next = (await response.json()) as StoredSession;
  return { user: next.user, accessToken: next.accessToken, refreshToken: next.refreshToken };
}

let refreshing: Promise<StoredSession | undefined> | undefined;

/**
 * Exchanges the refresh token for new tokens, once at a time. A refresh token works once, and
 * presenting a spent one revokes the whole log-in, so two tabs (or a page's two sockets)
 * refreshing together would sign the user out: the exchange runs under a Web Lock shared by the
 * tabs, and a caller that finds the stored access token already replaced uses that one.
 */
export function refreshSession(stale: string | undefined = loadSession()?.accessToken): Promise<StoredSession | undefined> {
  refreshing ??= (async () => {
    const run = async () => {
      const session = loadSession();
      if (!session) return undefined;
      if (session.accessToken !== stale) return session; // another tab refreshed meanwhile
      const next = await exchange(session);
      saveSession(next);
      return next;
    };
    return navigator.locks ? navigator.locks.request('moodify-session-refresh', run) : run();
  })().finally(() => (refreshing = undefined));
  return refreshing;
}

/** Seconds until a JWT expires (from its own claims; the signature is the server's business). */
function secondsLeft(jwt: string): number {
  try {
    const payload = JSON.parse(atob(jwt.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/'))) as { exp?: number };
    return payload.exp ? payload.exp - Date.now() / 1000 : Infinity;
  } catch {
    return 0;
  }
}

/**
 * The signed-in session's access token, refreshed first when it runs out within a minute (a
 * socket that joins with it must not be refused halfway). Undefined when nobody is signed in or
 * the log-in has ended.
 */
export async function freshAccessToken(): Promise<string | undefined> {
  const session = loadSession();
  if (!session) return undefined;
  if (secondsLeft(session.accessToken) > 60) return session.accessToken;
  return (await refreshSession(session.accessToken))?.accessToken;
}

/** JSON request to the API; throws ApiError with the server's message on failure. */
export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const send = (session: StoredSession | undefined) =>
    fetch(path, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(session ? { authorization: `Bearer ${session.accessToken}` } : {}),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  let session = loadSession();
  let response = await send(session);
  if (response.status === 401 && session && !path.startsWith('/api/auth/')) {
    session = await refreshSession(session.accessToken);
    if (session) response = await send(session);
  }
  if (response.status === 204) return undefined as T;
  // fastify's errors say `message`; some routes answer `{ error }`.
  const data = (await response.json().catch(() => ({}))) as { message?: string; error?: string };
  if (!response.ok) throw new ApiError(response.status, data.message ?? data.error ?? `request failed (${response.status})`);
  return data as T;
}
