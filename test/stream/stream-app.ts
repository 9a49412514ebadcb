/**
 * A fastify app with only the stream plugin (plus the built client), playing tone tracks
 * synthesised by fixtures.ts through the real engine: the stream tests and bench start this
 * instead of the whole server, which would also open a database and mediasoup workers.
 */
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

import fastifyStatic from '@fastify/static';
import Fastify, { type FastifyInstance } from 'fastify';

import { ffmpegPath } from '../../media/ffmpeg-path.js';
import type { AppServices } from '../../server/app.js';
import { EventBus } from '../../server/events.js';
import { createMetricsRegistry } from '../../server/metrics.js';
import { streamPlugin, type StreamPluginOptions } from '../../server/stream/plugin.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const CLIENT_DIST = `${ROOT}client/dist`;

export interface StreamApp {
  app: FastifyInstance;
  url: string;
  services: Pick<AppServices, 'registry' | 'events'>;
  close(): Promise<void>;
}

/** Builds client/dist when the listener page is missing from it. */
export function ensureClientBuilt(): void {
  if (!fs.existsSync(`${CLIENT_DIST}/listen.js`))
    execFileSync(process.execPath, ['scripts/build-client.mjs'], { cwd: ROOT, stdio: 'ignore' });
}

export async function startStreamApp(options: StreamPluginOptions, logLevel = 'warn'): Promise<StreamApp> {
  const app = Fastify({ logger: { level: logLevel }, forceCloseConnections: true });
  const services = { registry: createMetricsRegistry(), events: new EventBus() };
  app.decorate('services', services as unknown as AppServices);
  if (fs.existsSync(CLIENT_DIST)) await app.register(fastifyStatic, { root: CLIENT_DIST, prefix: '/' });
  await app.register(streamPlugin, options);
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  return { app, url, services, close: () => app.close() };
}

/** Decodes `seconds` of a (live) URL to mono 48 kHz float samples with ffmpeg, without blocking. */
export function recordMono(url: string, seconds: number): Promise<Float32Array> {
  return new Promise((resolve, reject) => {
    const child = spawn(ffmpegPath(), [
      '-nostdin',
      '-hide_banner',
      '-loglevel',
      'error',
      '-i',
      url,
      '-t',
      String(seconds),
      '-ac',
      '1',
      '-ar',
      '48000',
      '-f',
      'f32le',
      'pipe:1',
    ]);
    const chunks: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => chunks.push(c));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`ffmpeg could not record ${url} (exit ${code}): ${stderr}`));
      const buf = Buffer.concat(chunks);
      resolve(new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength)));
    });
  });
}
