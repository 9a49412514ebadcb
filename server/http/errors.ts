/**
 * The one place where an error becomes a reply (HTTP and signalling alike). Driver messages
 * never reach the wire: a drizzle error's message is the whole SQL statement with its
 * parameters (a fresh argon2id hash on sign-up, say), and a file-system error names absolute
 * paths. Clients get a status and a fixed sentence; the log gets the error's class, its codes
 * and the driver's own one-line reason (no statement, no parameters).
 */
import type { FastifyError, FastifyInstance } from 'fastify';

import { HttpError } from './http-error.js';

export interface PublicError {
  statusCode: number;
  message: string;
  /** Set where a retry may succeed (503): seconds. */
  retryAfterS?: number;
}

/** Codes of postgres-js / PGlite / node errors that mean "the database is not reachable right now". */
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'CONNECT_TIMEOUT',
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  'DATABASE_TIMEOUT',
]);

/** Every error in the `cause` chain, outermost first (drizzle wraps the driver's error). */
function chain(err: unknown): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (let e: unknown = err; e && typeof e === 'object' && out.length < 8; e = (e as { cause?: unknown }).cause)
    out.push(e as Record<string, unknown>);
  return out;
}

/** The PostgreSQL SQLSTATE of a database error, if any (5 characters, e.g. 22021). */
export function sqlState(err: unknown): string | undefined {
  for (const e of chain(err)) if (typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code)) return e.code;
  return undefined;
}

export function isDatabaseUnavailable(err: unknown): boolean {
  const state = sqlState(err);
  // 08: connection exception; 57P0x: server shutting down; 53300: too many connections; 57014: cancelled (our timeout).
  if (state && (state.startsWith('08') || state.startsWith('57P') || state === '53300' || state === '57014')) return true;
  return chain(err).some((e) => typeof e.code === 'string' && UNREACHABLE_CODES.has(e.code));
}

function isDriverError(err: unknown): boolean {
  return (
    chain(err).some((e) => e.name === 'DrizzleQueryError' || typeof e.query === 'string' || e.name === 'PostgresError') ||
    sqlState(err) !== undefined
  );
}

/** Absolute paths (and anything after them on the line) out of a message meant for a client. */
export function scrubPaths(message: string): string {
  return message.replace(/(?:[A-Za-z]:)?(?:\/[^\s/'"`:]+){2,}\/?/g, '<path>').slice(0, 300);
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  409: 'Conflict',
  410: 'Gone',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Entity',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** What a client may learn about `err`. */
export function publicError(err: unknown): PublicError {
  if (err instanceof HttpError) return { statusCode: err.statusCode, message: err.message };
  const e = err as Partial<FastifyError> & { name?: string };
  if (e?.validation) return { statusCode: 400, message: scrubPaths(String(e.message)) };
  if (e?.name === 'UnknownTrackError') return { statusCode: 404, message: 'unknown track' };
  if (isDatabaseUnavailable(err)) return { statusCode: 503, message: 'the database is unavailable; try again shortly', retryAfterS: 2 };
  if (isDriverError(err)) {
    const state = sqlState(err) ?? '';
    // Class 22: data exception (NUL in text, a value out of range, a malformed uuid).
    if (state.startsWith('22'))
      return { statusCode: 400, message: 'a value in the request is not valid (text may not contain NUL characters)' };
    if (state === '23505') return { statusCode: 409, message: 'that already exists' };
    if (state.startsWith('23')) return { statusCode: 409, message: 'the request conflicts with the current state; reload and try again' };
    return { statusCode: 500, message: 'internal server error' };
  }
  const status = typeof e?.statusCode === 'number' ? e.statusCode : 500;
  // Fastify's and its plugins' own 4xx errors (body too large, bad JSON, rate limit) are about the request.
  if (status >= 400 && status < 500)
    return { statusCode: status, message: scrubPaths(String(e?.message ?? STATUS_TEXT[status] ?? 'bad request')) };
  return { statusCode: 500, message: 'internal server error' };
}

/** What the log may hold about `err`: class names, codes and the driver's reason, never SQL, parameters or bodies. */
export function errorForLog(err: unknown): Record<string, unknown> {
  const links = chain(err);
  const innermost = links[links.length - 1] ?? {};
  const driver = isDriverError(err);
  const reason = typeof innermost.message === 'string' ? innermost.message : String(err);
  return {
    type: links.map((e) => (typeof e.name === 'string' ? e.name : 'Error')).join(' < '),
    ...(typeof links[0]?.code === 'string' ? { code: links[0]!.code } : {}),
    ...(sqlState(err) ? { sqlState: sqlState(err) } : {}),
    // A driver's own message is one line about the cause; drizzle's wrapper (the statement and its parameters) is left out.
    message: driver && innermost === links[0] ? '(driver error)' : scrubPaths(reason.split('\n')[0]!),
    ...(driver
      ? {}
      : { stack: typeof innermost.stack === 'string' ? scrubPaths(innermost.stack.split('\n').slice(1, 6).join(' | ')) : undefined }),
  };
}

/** Installs the mapper as the app's error handler (every route inherits it; plugins may add their own in front). */
export function installErrorMapper(app: FastifyInstance): void {
  app.setErrorHandler((err, request, reply) => {
    const mapped = publicError(err);
    if (mapped.statusCode >= 500) request.log.error({ err: errorForLog(err) }, 'request failed');
    else if (mapped.statusCode !== 401 && mapped.statusCode !== 404)
      request.log.info({ err: errorForLog(err), statusCode: mapped.statusCode }, 'request refused');
    if (mapped.retryAfterS) void reply.header('retry-after', String(mapped.retryAfterS));
    const code = (err as { code?: unknown }).code;
    return reply.code(mapped.statusCode).send({
      statusCode: mapped.statusCode,
      ...(typeof code === 'string' && code.startsWith('FST_') ? { code } : {}),
      error: STATUS_TEXT[mapped.statusCode] ?? 'Error',
      message: mapped.message,
    });
  });
}
