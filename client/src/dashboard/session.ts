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
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

async function refresh(session: StoredSession): Promise<StoredSession | undefined> {
  const response = await fetch('/api/auth/refresh', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ refreshToken: session.refreshToken }),
  });
  if (!response.ok) return undefined;
  const next = (await response.json()) as StoredSession;
  return { user: next.user, accessToken: next.accessToken, refreshToken: next.refreshToken };
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
    session = await refresh(session);
    saveSession(session);
    if (session) response = await send(session);
  }
  if (response.status === 204) return undefined as T;
  // fastify's errors say `message`; some routes answer `{ error }`.
  const data = (await response.json().catch(() => ({}))) as { message?: string; error?: string };
  if (!response.ok) throw new ApiError(response.status, data.message ?? data.error ?? `request failed (${response.status})`);
  return data as T;
}
