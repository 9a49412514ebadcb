/**
 * Entry point: validate configuration, build the app, listen, and shut down cleanly on
 * SIGTERM/SIGINT (or a fatal error) within SHUTDOWN_TIMEOUT_MS (server/shutdown.ts).
 */
import fs from 'node:fs';

import { buildApp } from './app.js';
import { type AppConfig, ConfigError, loadConfig } from './config.js';
import { installShutdown } from './shutdown.js';

// A local .env fills in what the environment leaves unset (it never overrides).
if (fs.existsSync('.env')) process.loadEnvFile('.env');

let config: AppConfig;
try {
  config = loadConfig();
} catch (err) {
  if (err instanceof ConfigError) {
    console.error(err.message);
    process.exit(78); // EX_CONFIG
  }
  throw err;
}

const app = await buildApp(config);

installShutdown(() => app.close(), app.log, config.SHUTDOWN_TIMEOUT_MS);

await app.listen({ port: config.PORT, host: config.HOST });
