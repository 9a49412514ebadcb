/**
 * Text that no field of this API accepts, refused before validation or any handler: NUL
 * (PostgreSQL cannot store it in text; every driver error it caused leaked SQL before the error
 * mapper existed) in the body, the query string or the path. One hook, so no route can forget.
 */
import type { FastifyInstance } from 'fastify';

import { HttpError } from './http-error.js';

function containsNul(value: unknown, depth = 0): boolean {
  if (typeof value === 'string') return value.includes('\u0000');
  if (depth > 32 || value === null || typeof value !== 'object') return false;
  if (Buffer.isBuffer(value)) return false;
  for (const [key, inner] of Object.entries(value as Record<string, unknown>)) {
    if (key.includes('\u0000') || containsNul(inner, depth + 1)) return true;
  }
  return false;
}

export function installInputGuard(app: FastifyInstance): void {
  app.addHook('preValidation', async (request) => {
    if (containsNul(request.params) || containsNul(request.query) || containsNul(request.body)) {
      throw new HttpError(400, 'text may not contain NUL characters');
    }
  });
}
