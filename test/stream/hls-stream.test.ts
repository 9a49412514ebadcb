/**
 * The room stream end to end, with ONE server and ONE browser (they are the slow part):
 * headless Chromium plays /listen/:room through hls.js in Low-Latency mode (parts, blocking
 * reloads) while ffprobe reads the bare playlist URL for 30 s and ffmpeg records 20 s of it (as
 * legacy players: segments only); then the encoder is killed; then everyone leaves and the
 * stream must stop. Tracks are 8 s tone chords, so several track changes happen.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';

import type { Browser, Page } from 'playwright-core';

import { ffmpegPath } from '../../media/ffmpeg-path.js';
import { launchChromium } from '../helpers/browser.js';
import { CHORDS, PlaylistTrackSource, toneEnergy, toneTracks } from './fixtures.js';
import { ensureClientBuilt, recordMono, startStreamApp, type StreamApp } from './stream-app.js';

const ROOM = 'test-room';
const CROSSFADE_S = 2;
let server: StreamApp;
let browser: Browser;

before(async () => {
  ensureClientBuilt();
  const tracks = toneTracks(3, 8);
  server = await startStreamApp({
    trackSource: new PlaylistTrackSource(tracks),
    settings: { crossfadeS: CROSSFADE_S },
    idleStopS: 1,
    listenerWindowS: 3,
  });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await server?.close();
});

const ffprobe = (url: string) =>
  new Promise<{ code: number; stdout: string; stderr: string; wallS: number }>((resolve) => {
    const started = Date.now();
    const ffprobeBin = path.join(path.dirname(ffmpegPath()), 'ffprobe');
    execFile(
      fs.existsSync(ffprobeBin) ? ffprobeBin : 'ffprobe',
      ['-v', 'error', '-show_entries', 'packet=pts_time', '-of', 'csv=p=0', '-read_intervals', '%+30', url],
      { timeout: 60_000, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) =>
        resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr, wallS: (Date.now() - started) / 1000 }),
    );
  });

/** Watches the page's <audio>: currentTime every 100 ms, and each `waiting` stall after playback began. */
async function watchPlayer(page: Page): Promise<void> {
  await page.evaluate(() => {
    const player = document.querySelector('moodify-listen')!.shadowRoot!.querySelector('moodify-player')! as HTMLElement & {
      audio: HTMLAudioElement;
    };
    const audio = player.audio;
    const probe = { samples: [] as [number, number, string][], stalls: [] as number[], started: false, waitingSince: 0 };
    (window as unknown as { probe: typeof probe }).probe = probe;
    audio.addEventListener('playing', () => {
      if (probe.waitingSince) probe.stalls.push(performance.now() - probe.waitingSince);
      probe.waitingSince = 0;
      probe.started = true;
    });
    audio.addEventListener('waiting', () => {
      if (probe.started && !probe.waitingSince) probe.waitingSince = performance.now();
    });
    setInterval(() => {
      const title = player.shadowRoot!.querySelector('.title')?.textContent ?? '';
      probe.samples.push([Date.now(), audio.currentTime, title]);
    }, 100);
  });
}

type Probe = { samples: [number, number, string][]; stalls: number[]; started: boolean; waitingSince: number };
const readProbe = (page: Page) => page.evaluate(() => (window as unknown as { probe: Probe }).probe);

/** Longest time currentTime stood still, ms, over samples taken between t0 and t1 (epoch ms). */
function longestFreezeMs(samples: [number, number, string][], t0: number, t1: number): number {
  let longest = 0;
  let since: number | undefined;
  let last: number | undefined;
  for (const [at, time] of samples.filter(([at]) => at >= t0 && at <= t1)) {
    if (last !== undefined && time === last) {
      since ??= at - 100;
      longest = Math.max(longest, at - since);
    } else since = undefined;
    last = time;
  }
  return longest;
}

test('headless Chromium plays the room stream across track changes while ffprobe and ffmpeg read the bare playlist', async () => {
  const playlistUrl = `${server.url}/stream/${ROOM}/live.m3u8`;
  const page = await browser.newPage();
  // What hls.js asks for: LL-HLS blocking reloads and parts, not only whole segments.
  const requested: string[] = [];
  page.on('request', (r) => requested.push(new URL(r.url()).pathname + new URL(r.url()).search));
  await page.goto(`${server.url}/listen/${ROOM}`);
  await page.locator('moodify-player button', { hasText: 'Play' }).click();
  await page.waitForFunction(
    () => {
      const player = document.querySelector('moodify-listen')?.shadowRoot?.querySelector('moodify-player') as
        (HTMLElement & { audio?: HTMLAudioElement }) | null;
      return (player?.audio?.currentTime ?? 0) > 0;
    },
    undefined,
    { timeout: 15_000 },
  );
  await watchPlayer(page);
  const t0 = Date.now();

  // Every playlist seen while nothing fails must be discontinuity-free, across track changes.
  const playlists: string[] = [];
  const poll = setInterval(() => void fetch(playlistUrl).then(async (r) => playlists.push(await r.text())), 1000);
  const [probe, recording] = await Promise.all([ffprobe(playlistUrl), recordMono(playlistUrl, 20)]);
  clearInterval(poll);
  const t1 = Date.now();

  // ffprobe read the live playlist continuously for 30 s of stream.
  assert.equal(probe.code, 0, `ffprobe failed: ${probe.stderr}`);
  const pts = probe.stdout.trim().split('\n').map(Number).filter(Number.isFinite);
  assert.ok(pts.at(-1)! - pts[0]! >= 29.5, `ffprobe read ${pts.at(-1)! - pts[0]!} s of stream`);
  assert.ok(probe.wallS >= 20, `ffprobe took ${probe.wallS} s: it cannot have read a live stream`);

  // The browser: currentTime advanced for >= 20 s with no stall over 500 ms.
  const seen = await readProbe(page);
  const window = seen.samples.filter(([at]) => at >= t0 && at <= t1);
  const advanced = window.at(-1)![1] - window[0]![1];
  assert.ok(advanced >= 20, `currentTime advanced ${advanced} s over ${(t1 - t0) / 1000} s`);
  assert.ok(
    seen.stalls.every((ms) => ms <= 500),
    `waiting stalls: ${seen.stalls.join(', ')} ms`,
  );
  assert.equal(seen.waitingSince, 0, 'the player is stalled');
  // Stricter than the `waiting` events: currentTime itself never stood still for long. (A busy
  // 2-core machine delays the page's sampling timer, hence the looser bound.)
  assert.ok(longestFreezeMs(seen.samples, t0, t1) <= 1000, `currentTime froze ${longestFreezeMs(seen.samples, t0, t1)} ms`);

  // ...in Low-Latency mode: blocking playlist reloads and parts, close to the live edge.
  assert.ok(
    requested.some((u) => /live\.m3u8\?.*_HLS_msn=\d+&_HLS_part=\d+/.test(u)),
    'hls.js made no blocking playlist reload',
  );
  assert.ok(requested.filter((u) => /-\d+\.\d+\.m4s/.test(u)).length >= 20, 'hls.js fetched few parts');
  const behindLive = (await page.evaluate(
    () =>
      (document.querySelector('moodify-listen')!.shadowRoot!.querySelector('moodify-player') as unknown as { hls: { latency: number } }).hls
        .latency,
  )) as number;
  assert.ok(behindLive < 3, `hls.js plays ${behindLive} s behind the live edge`);

  // ...across track changes, which the now-playing card followed.
  const stream = server.app.streams.get(ROOM)!;
  const changes = stream.history.filter((e) => e.reason === 'next' && e.audibleAtMs > t0 && e.audibleAtMs < t1 - 8000);
  assert.ok(changes.length >= 1, 'no track change happened while the browser played');
  const titles = new Set(window.map(([, , title]) => title));
  assert.ok(titles.size >= 2, `the now-playing card showed only ${[...titles].join(', ')}`);

  assert.ok(playlists.length >= 20);
  assert.ok(
    playlists.every((p) => !p.includes('#EXT-X-DISCONTINUITY\n')),
    'a playlist had a discontinuity',
  );

  // The recorded audio: no silence over 100 ms anywhere, across track changes.
  const windowSamples = 480; // 10 ms
  let silentRun = 0;
  let longestSilence = 0;
  for (let i = 0; i + windowSamples <= recording.length; i += windowSamples) {
    let sum = 0;
    for (let j = i; j < i + windowSamples; j++) sum += recording[j]! * recording[j]!;
    const rms = Math.sqrt(sum / windowSamples);
    silentRun = rms < 0.005 ? silentRun + 10 : 0;
    longestSilence = Math.max(longestSilence, silentRun);
  }
  assert.ok(recording.length >= 19 * 48000, `recorded ${recording.length / 48000} s`);
  assert.ok(longestSilence < 100, `silence of ${longestSilence} ms in the stream`);

  // Which chord plays, each 250 ms; and how loud each chord is where it plays alone.
  const dominant: number[] = [];
  const levels = new Map<number, number[]>();
  for (let i = 0; i + 12000 <= recording.length; i += 12000) {
    const slice = recording.subarray(i, i + 12000);
    const energies = CHORDS.map((chord) => toneEnergy(slice, 48000, chord[0]!));
    const best = energies.indexOf(Math.max(...energies));
    const sorted = [...energies].sort((a, b) => b - a);
    dominant.push(best);
    if (sorted[0]! > 100 * sorted[1]!) {
      const rms = Math.sqrt(slice.reduce((s, x) => s + x * x, 0) / slice.length);
      levels.set(best, [...(levels.get(best) ?? []), 20 * Math.log10(rms)]);
    }
  }
  const changesHeard = dominant.filter((c, i) => i > 0 && c !== dominant[i - 1]).length;
  assert.ok(changesHeard >= 1, `the recording never changed track: ${dominant.join('')}`);
  // Loudness matching: the tracks differ by ~10 dB in their files, not in the stream.
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const loud = levels.get(0);
  const quiet = levels.get(1);
  if (loud && quiet) assert.ok(Math.abs(mean(loud) - mean(quiet)) < 2, `levels ${mean(loud)} vs ${mean(quiet)} dBFS`);
  assert.ok(loud || quiet, 'no chord was heard alone');

  // HTTP details: content types, cache headers, for the init segment, segments and parts.
  const playlistResponse = await fetch(playlistUrl);
  assert.equal(playlistResponse.headers.get('content-type'), 'application/vnd.apple.mpegurl');
  assert.match(playlistResponse.headers.get('cache-control')!, /no-cache/);
  const playlistText = await playlistResponse.text();
  const segmentName = playlistText.match(/^[^#\n]+$/gm)!.at(-1)!;
  const partName = [...playlistText.matchAll(/#EXT-X-PART:[^\n]*URI="([^"]+)"/g)].at(-1)![1]!;
  const initName = playlistText.match(/#EXT-X-MAP:URI="([^"]+)"/)![1]!;
  for (const [name, minBytes] of [
    [segmentName, 4000],
    [partName, 1000],
    [initName, 300],
  ] as const) {
    const file = await fetch(`${server.url}/stream/${ROOM}/${name}`);
    assert.equal(file.status, 200, name);
    assert.equal(file.headers.get('content-type'), 'audio/mp4', name);
    assert.match(file.headers.get('cache-control')!, /immutable/, name);
    assert.equal(file.headers.get('etag'), `"${name}"`);
    assert.ok((await file.arrayBuffer()).byteLength > minBytes, name);
    const again = await fetch(`${server.url}/stream/${ROOM}/${name}`, { headers: { 'if-none-match': `"${name}"` } });
    assert.equal(again.status, 304);
  }

  // Kill the encoder: the playlist advances again within 5 s and the player recovers by itself.
  const lastSequence = () => stream.playlist.lastSequence ?? -1;
  const before = lastSequence();
  const pid = stream.encoderPid!;
  const killedAt = Date.now();
  process.kill(pid, 'SIGKILL');
  while (lastSequence() <= before + 1) {
    assert.ok(Date.now() - killedAt < 5000, 'the playlist did not advance within 5 s of the encoder being killed');
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.notEqual(stream.encoderPid, pid);
  const timeAtKill = (await readProbe(page)).samples.at(-1)![1];
  await page.waitForFunction(
    (t) => {
      const player = document.querySelector('moodify-listen')!.shadowRoot!.querySelector('moodify-player') as HTMLElement & {
        audio: HTMLAudioElement;
      };
      return player.audio.currentTime > t + 5 && !player.audio.paused;
    },
    timeAtKill,
    { timeout: 20_000 },
  );
  const afterKill = await (await fetch(playlistUrl)).text();
  assert.match(afterKill, /#EXT-X-DISCONTINUITY/);

  const metrics = await server.services.registry.metrics();
  assert.match(metrics, /moodify_stream_encoder_restarts_total 1\b/);
  assert.match(metrics, /moodify_stream_active 1\b/);
  assert.match(metrics, /moodify_stream_segment_lag_seconds_count [1-9]/);

  // Everyone leaves: the stream stops (listener window 3 s + idle 1 s) and its encoder ends.
  await page.close();
  const encoderPid = stream.encoderPid!;
  const leftAt = Date.now();
  const alive = (p: number) => {
    try {
      process.kill(p, 0);
      return true;
    } catch {
      return false;
    }
  };
  while (server.app.streams.get(ROOM) || alive(encoderPid)) {
    assert.ok(Date.now() - leftAt < 15_000, 'the stream (or its encoder) outlived its last listener');
    await new Promise((r) => setTimeout(r, 200));
  }
});

test('LL-HLS over HTTP: a blocking reload is answered once its part exists, and so is the hinted part', async () => {
  const room = 'll-room';
  const url = `${server.url}/stream/${room}/live.m3u8`;
  await (await fetch(url)).text();
  const playlist = server.app.streams.get(room)!.playlist;
  for (let i = 0; i < 3; i++) {
    // The part the playlist hints at does not exist yet: the reload waits for it.
    const hint = playlist.nextPartName!;
    const [, msn, part] = /-(\d+)\.(\d+)\.m4s$/.exec(hint)!;
    assert.equal(playlist.has(Number(msn), Number(part)), false);
    const [reload, hinted] = await Promise.all([
      fetch(`${url}?_HLS_msn=${msn}&_HLS_part=${part}`),
      fetch(`${server.url}/stream/${room}/${hint}`),
    ]);
    assert.equal(reload.status, 200);
    assert.match(await reload.text(), new RegExp(`#EXT-X-PART:DURATION=[\\d.]+,URI="${hint}",INDEPENDENT=YES\n`));
    assert.equal(hinted.status, 200);
    assert.equal(hinted.headers.get('content-type'), 'audio/mp4');
    assert.deepEqual(Buffer.from(await hinted.arrayBuffer()), playlist.file(hint)!.bytes);
  }
  // A whole segment: answered when it is complete.
  const next = (playlist.lastSequence ?? 0) + 1;
  const segmentReload = await (await fetch(`${url}?_HLS_msn=${next}`)).text();
  assert.match(segmentReload, new RegExp(`^[0-9a-f]{8}-${next}\\.m4s$`, 'm'));
  // Malformed or impossible requests.
  assert.equal((await fetch(`${url}?_HLS_msn=${next + 50}`)).status, 400);
  assert.equal((await fetch(`${url}?_HLS_msn=abc`)).status, 400);
  assert.equal((await fetch(`${url}?_HLS_part=1`)).status, 400);
  assert.equal((await fetch(`${server.url}/stream/${room}/deadbeef-1.9.m4s`)).status, 404);
  await server.app.streams.stop(room);
});

test('bad requests get clear errors and the server keeps serving', async () => {
  const bad = await fetch(`${server.url}/stream/bad%20room!/live.m3u8`);
  assert.equal(bad.status, 400);
  const missing = await fetch(`${server.url}/stream/${ROOM}/deadbeef-999999.m4s`);
  assert.equal(missing.status, 404);
  const feedback = await fetch(`${server.url}/api/rooms/${ROOM}/feedback`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ trackId: 'chord-0', kind: 'like' }),
  });
  assert.equal(feedback.status, 503);
  assert.match(((await feedback.json()) as { error: string }).error, /feedback/);
  const badKind = await fetch(`${server.url}/api/rooms/${ROOM}/feedback`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ trackId: 'chord-0', kind: 'love' }),
  });
  assert.equal(badKind.status, 400);
  const nowPlaying = await fetch(`${server.url}/api/rooms/${ROOM}/now-playing`);
  assert.equal(nowPlaying.status, 200);
});

test('a room stream starts when its first member joins and stops after the last one leaves', async () => {
  const { events } = server.services;
  const member = { roomId: 'members-room', participantId: 'p1', displayName: 'Ann' };
  events.emit('peerJoined', member);
  const startedBy = Date.now() + 10_000;
  while (!server.app.streams.get(member.roomId)) {
    assert.ok(Date.now() < startedBy, 'the stream did not start for the first member');
    await new Promise((r) => setTimeout(r, 100));
  }
  // Still there after the idle time while the member stays.
  await new Promise((r) => setTimeout(r, 2500));
  assert.ok(server.app.streams.get(member.roomId));
  events.emit('peerLeft', member);
  const stoppedBy = Date.now() + 10_000;
  while (server.app.streams.get(member.roomId)) {
    assert.ok(Date.now() < stoppedBy, 'the stream outlived its last member');
    await new Promise((r) => setTimeout(r, 100));
  }
});
