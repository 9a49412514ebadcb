/** Builds the real app in this process (for tests that need to look inside it). */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import type { FastifyInstance } from 'fastify';

import { buildApp } from '../../server/app.js';
import { loadConfig } from '../../server/config.js';

export interface TestApp {
  app: FastifyInstance;
  url: string;
  close(): Promise<void>;
}

export async function startTestApp(env: Record<string, string> = {}): Promise<TestApp> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'moodify-app-'));
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
    MEDIASOUP_LISTEN_IP: '127.0.0.1',
    // Media tests join ad-hoc rooms; the accounts tests cover the token policy.
    ALLOW_ANONYMOUS_ROOMS: 'true',
    // Sign-up, log-in, refresh and invites share one budget per address (SECURITY.md); a test signs
    // up several users from 127.0.0.1 within a minute. test/security/tokens.test.ts tests the limit.
    AUTH_RATE_LIMIT_MAX: '1000',
    ...env,
  });
  const app = await buildApp(config);
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  return {
    app,
    url,
    async close() {
      await app.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
