/**
 * `npm start` on an empty library: the real server (child process) imports the bundled Debian
 * music in the background — ready at once, tracks arriving with their licence and attribution.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { installedSources } from '../../server/music/bundled.js';
import { startServer, waitFor } from '../helpers/server-process.js';

test('an empty library gets the bundled music in the background without delaying readiness', async (t) => {
  if (installedSources().length === 0) {
    if (process.env.CI) assert.fail('scripts/setup.sh installs the bundled music packages');
    return t.skip('singularity-music / hyperrogue-music not installed');
  }
  const server = await startServer({ MUSIC_BUNDLED_IMPORT: '1', MEDIASOUP_WORKERS: '1' }, 60000);
  try {
    assert.equal((await fetch(`${server.url}/readyz`)).status, 200);
    const library = async () =>
      (await (await fetch(`${server.url}/api/music/library`)).json()) as { tracks: number; importing: { running: boolean; total: number } };
    const first = await library();
    assert.ok(first.importing.running || first.tracks > 0, JSON.stringify(first));
    assert.ok(first.importing.total >= 16, JSON.stringify(first));
    await waitFor(async () => ((await library()).tracks > 0 ? true : undefined), 90_000, 'the first bundled track');
    const { tracks } = (await (await fetch(`${server.url}/api/music/tracks`)).json()) as {
      tracks: { origin: string; license: string; attribution: string; artist: string; bpm: number }[];
    };
    const track = tracks[0]!;
    assert.equal(track.origin, 'bundled');
    assert.equal(track.license, 'CC BY-SA 3.0');
    assert.match(track.attribution, /Max McCracken|Shawn Parrotte|Will Savino|Lincoln Domina/);
    assert.match(track.attribution, /creativecommons\.org\/licenses\/by-sa\/3\.0/);
    assert.ok(track.bpm > 40);
  } finally {
    await server.stop();
  }
});
