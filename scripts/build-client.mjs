// Bundles the lit client with esbuild into client/dist (served by fastify at /).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'client/dist');
fs.rmSync(dist, { recursive: true, force: true });
fs.mkdirSync(dist, { recursive: true });
// The app, and the listener page (hls.js lives only in the second: the app does not need it).
for (const [entry, outfile] of [
  ['main.ts', 'app.js'],
  ['player/listen-page.ts', 'listen.js'],
])
  await build({
    entryPoints: [path.join(root, 'client/src', entry)],
    bundle: true,
    format: 'esm',
    target: ['chrome111', 'firefox115', 'safari16'],
    minify: true,
    // Source maps hand the whole client source to anyone who asks: only for local debugging (CLIENT_SOURCEMAPS=1).
    sourcemap: process.env.CLIENT_SOURCEMAPS === '1' ? 'linked' : false,
    outfile: path.join(dist, outfile),
    tsconfig: path.join(root, 'tsconfig.json'),
    // Stylesheets come in as text: components adopt them inside their shadow roots (uPlot's CSS).
    loader: { '.css': 'text' },
    logLevel: 'warning',
  });
for (const file of fs.readdirSync(path.join(root, 'client')).filter((f) => f.endsWith('.html'))) {
  fs.copyFileSync(path.join(root, 'client', file), path.join(dist, file));
}
console.log('client bundle written to', path.relative(root, dist));
