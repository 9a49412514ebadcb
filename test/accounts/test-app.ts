/**
 * A real app (buildApp) on a scratch DATA_DIR with embedded PGlite (or a given DATABASE_URL),
 * one mediasoup worker and silent logs, driven through inject(). Plus small request helpers.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import type { FastifyInstance, LightMyRequestResponse } from 'fastify';

import { buildApp } from '../../server/app.js';
import { loadConfig } from '../../server/config.js';

export interface TestApp {
  app: FastifyInstance;
  dataDir: string;
  close(): Promise<void>;
}

export async function startTestApp(env: Record<string, string> = {}, dataDir?: string): Promise<TestApp> {
  const dir = dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'moodify-accounts-'));
  const config = loadConfig({ DATA_DIR: dir, MEDIASOUP_WORKERS: '1', LOG_LEVEL: 'silent', AUTH_RATE_LIMIT_MAX: '1000', ...env });
  const app = await buildApp(config);
  await app.ready();
  return {
    app,
    dataDir: dir,
    async close() {
      await app.close();
      if (!dataDir) fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface Session {
  user: { id: string; displayName: string; email: string | null; guest: boolean };
  accessToken: string;
  refreshToken: string;
}

let counter = 0;

export async function signUp(app: FastifyInstance, displayName = 'User'): Promise<Session> {
  counter += 1;
  const response = await app.inject({
    method: 'POST',
    url: '/api/auth/signup',
    payload: {
      email: `${displayName.toLowerCase().replace(/\W/g, '')}.${counter}.${Date.now()}@example.org`,
      password: 'correct horse battery',
      displayName,
    },
  });
  if (response.statusCode !== 201) throw new Error(`sign-up failed: ${response.statusCode} ${response.body}`);
  return response.json() as Session;
}

export function authed(token: string | undefined): Record<string, string> {
  return token ? { authorization: `Bearer ${token}` } : {};
}

export async function call(
  app: FastifyInstance,
  method: string,
  url: string,
  token?: string,
  payload?: unknown,
): Promise<LightMyRequestResponse> {
  return app.inject({
    method: method as 'GET',
    url,
    headers: authed(token),
    ...(payload === undefined ? {} : { payload: payload as object }),
  });
}
