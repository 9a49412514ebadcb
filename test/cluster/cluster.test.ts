/**
 * Three Moodify nodes on loopback (own HTTP ports and RTC port ranges) with the machine's Redis
 * (a key prefix per run) and one PostgreSQL database:
 *   - a real Chromium participant joins through node B into a room owned by node A: its media
 *     reaches A, whose moods a dashboard socket watching through node C receives;
 *   - a listener plays the room's LL-HLS through node C (an edge) in hls.js without stalls;
 *   - kill -9 of node A: the room moves to a live node, the participant and the listener recover
 *     by themselves (the times are reported);
 *   - two nodes racing to place one room: the two participants always meet in one room.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';

import type { Browser, Page } from 'playwright-core';

import { SignallingWs } from '../../bench/lib/ws-client.js';
import { launchChromium } from '../helpers/browser.js';
import { ensureClientBundle } from '../helpers/client-bundle.js';
import { startCluster, type TestCluster } from '../helpers/cluster.js';
import { facesTheModelReads } from '../helpers/model-faces.js';
import { postgresReachable } from '../helpers/postgres.js';
import { redisReachable } from '../helpers/redis.js';
import { waitFor } from '../helpers/server-process.js';
import { makeFaceClipSegments, makeSpeechTrack, sharedDataAvailable, speechClips, tempDir } from '../helpers/test-media.js';
import { toneTracks } from '../stream/fixtures.js';

const skip = !(await redisReachable())
  ? 'needs Redis on 127.0.0.1:6379'
  : !(await postgresReachable())
    ? 'needs PostgreSQL'
    : !sharedDataAvailable()
      ? 'needs ../shared/data'
      : false;
const ROOM = 'cluster-room';

let cluster: TestCluster;
let sender: Browser | undefined;
let listener: Browser | undefined;
const sockets: SignallingWs[] = [];

const wsUrl = (node: string) => `${cluster.nodes.get(node)!.url.replace(/^http/, 'ws')}/ws`;
const httpUrl = (node: string) => cluster.nodes.get(node)!.url;

async function connect(node: string): Promise<SignallingWs> {
  const ws = await SignallingWs.connect(wsUrl(node));
  sockets.push(ws);
  return ws;
}

before(async () => {
  if (skip) return;
  ensureClientBundle();
  const dir = tempDir('moodify-cluster-');
  const library = path.join(dir, 'library');
  fs.mkdirSync(library);
  const moods = [
    ['happy', 0.8, 0.5],
    ['sad', -0.7, -0.5],
    ['neutral', 0.05, -0.2],
    ['angry', -0.6, 0.8],
  ] as const;
  const sidecar = toneTracks(4, 30).map((t, i) => {
    const file = `chord-${i}.flac`;
    fs.copyFileSync(t.filePath, path.join(library, file));
    return { file, title: `Chord ${i}`, artist: 'Moodify test tones', emotion: moods[i]![0], valence: moods[i]![1], arousal: moods[i]![2] };
  });
  fs.writeFileSync(path.join(library, 'library.json'), JSON.stringify(sidecar));
  const clip = makeFaceClipSegments([{ images: await facesTheModelReads('happy', 8), seconds: 20 }], path.join(dir, 'faces.y4m'));
  const speech = makeSpeechTrack(
    [{ clips: speechClips(8, (r) => r.emotion === 'happy' && Number(r.actor) <= 12), seconds: 20 }],
    path.join(dir, 'speech.wav'),
  );
  cluster = await startCluster(['a', 'b', 'c'], {
    library,
    label: 'browser',
    env: { STREAM_IDLE_STOP_S: '120', CLUSTER_NODE_TTL_MS: '3000', CLUSTER_ROOM_LEASE_MS: '8000' },
  });
  sender = await launchChromium({ videoFile: clip, audioFile: speech });
  listener = await launchChromium();
});

after(async () => {
  for (const ws of sockets) await ws.close().catch(() => {});
  await sender?.close();
  await listener?.close();
  await cluster?.stop();
});

test(
  'participant through B into A, moods on a dashboard through C, listener through C; kill -9 of A: both recover',
  { skip, timeout: 420_000 },
  async (t) => {
    // Node A owns the room: the first join places it on the least-loaded node, the asking one on a tie.
    const anchor = await connect('a');
    await anchor.request('join', { roomId: ROOM, displayName: 'Anchor' });
    assert.equal(await cluster.owner(ROOM), 'a');

    // A dashboard's socket on node C.
    const dashboard = await connect('c');
    await dashboard.request('watch', { roomId: ROOM });

    // A real browser participant whose page and socket are on node B.
    const capture = await sender!.newPage();
    capture.on('console', (m) => m.type() === 'error' && t.diagnostic(`capture console: ${m.text()}`));
    await capture.goto(`${httpUrl('b')}/room/${ROOM}?autostart&name=Browser`);
    const openedAt = Date.now();
    const browserMember = await waitFor<{ participantId: string }>(
      () => {
        for (const e of dashboard.events) {
          if (e.event !== 'presence') continue;
          const member = (
            e.data as { members: { participantId: string; displayName: string; camera: boolean; mic: boolean }[] }
          ).members.find((m) => m.displayName === 'Browser' && m.camera && m.mic);
          if (member) return member;
        }
        return undefined;
      },
      90_000,
      'the browser participant sending camera and microphone, seen on C',
    ).catch(async (err: Error) => {
      throw new Error(
        `${err.message}; capture: ${await captureStatus(capture)} ${(await capture.evaluate(`(${DEEP_FIND})('moodify-capture')?.detail`)) as string}`,
      );
    });
    t.diagnostic(`browser sending through B, seen on C after ${((Date.now() - openedAt) / 1000).toFixed(1)} s`);
    assert.equal(await cluster.owner(ROOM), 'a', 'node A still owns the room (the page on B was relayed there)');
    const moodOf = (participantId: string, since = 0) =>
      dashboard.events.find(
        (e) =>
          e.event === 'participantMood' &&
          (e.data as { participantId: string; t: number }).participantId === participantId &&
          (e.data as { t: number }).t > since,
      );
    const firstMood = await waitFor(
      () => moodOf(browserMember.participantId),
      120_000,
      'participantMood of the browser (analysed on A) on the dashboard through C',
    );
    t.diagnostic(
      `first mood on C ${((Date.now() - openedAt) / 1000).toFixed(1)} s after the page opened: ${JSON.stringify(firstMood.data).slice(0, 160)}`,
    );
    assert.equal((firstMood.data as { userId?: string }).userId, undefined, 'an anonymous dashboard gets no userIds');

    // A listener on node C: hls.js through C's edge, the stream made on A.
    const listen = await listener!.newPage();
    // nosync: plain hls.js playback (no wall-clock alignment with other screens, which seeks on purpose).
    await listen.goto(`${httpUrl('c')}/listen/${ROOM}?nosync`);
    await listen.locator('moodify-player').getByRole('button', { name: 'Play' }).first().click();
    await waitFor(async () => ((await audioTime(listen)) > 1 ? true : undefined), 60_000, 'the listener on C playing');
    await new Promise((r) => setTimeout(r, 3000)); // past hls.js's start-up
    const steady = await observePlayback(listen, 20_000);
    t.diagnostic(
      `listener through C: ${steady.advancedS.toFixed(1)} s played in 20 s, stalls ${steady.stalls} (${steady.stalledS.toFixed(1)} s)`,
    );
    assert.ok(steady.advancedS > 17, `the listener plays in real time through the edge (${steady.advancedS.toFixed(1)} s in 20 s)`);
    // On a loaded 2-core machine (three nodes, two browsers, the models, other jobs) a 'waiting'
    // blip can happen (measured at load 20-35: 0 or 1 of 0.2-0.5 s in 20 s); a player that keeps
    // stalling cannot pass.
    assert.ok(
      steady.stalls <= 2 && steady.stalledS < 1.5,
      `no real stall while the owner is up (${steady.stalls} waiting events, ${steady.stalledS.toFixed(2)} s)`,
    );
    const cMetrics = await (await fetch(`${httpUrl('c')}/metrics`)).text();
    assert.match(cMetrics, /moodify_cluster_edge_requests\{kind="part",side="served"\} [1-9]/, 'C served parts as an edge');
    assert.match(
      await (await fetch(`${httpUrl('a')}/metrics`)).text(),
      /moodify_cluster_origin_part_requests\{count="requests"\} [1-9]/,
      'A answered the edge as origin',
    );

    // kill -9 of the owner.
    const statusBefore = await captureStatus(capture);
    assert.equal(statusBefore, 'live');
    const killedAt = Date.now();
    const trace = await tracePlayer(listen, httpUrl('c'));
    await cluster.kill('a');
    const newOwner = await waitFor(
      async () => {
        const owner = await cluster.owner(ROOM);
        return owner && owner !== 'a' ? owner : undefined;
      },
      60_000,
      'the room on a live node',
    );
    const movedS = (Date.now() - killedAt) / 1000;
    const participantBack = await waitFor(
      async () => ((await captureStatus(capture)) === 'live' && (await cluster.owner(ROOM)) === newOwner ? Date.now() : undefined),
      90_000,
      'the participant live again',
    );
    const moodsBack = await waitFor(
      () => {
        const e = dashboard.events.find(
          (ev) =>
            ev.event === 'participantMood' &&
            (ev.data as { t: number; displayName: string }).t > killedAt &&
            (ev.data as { displayName: string }).displayName === 'Browser',
        );
        return e ? Date.now() : undefined;
      },
      120_000,
      'moods of the rejoined participant on the dashboard through C',
    );
    // Playing again = the audio clock advancing in real time (0.8 s per second), not passing the time
    // it had at the kill: a player the stall watchdog started over plays on a new media timeline
    // from about 0. Looked at from 3 s after the kill, when what was buffered before it has run out.
    await new Promise((r) => setTimeout(r, Math.max(0, killedAt + 3000 - Date.now())));
    const listenerBack = await waitFor(
      async () => {
        const before = await audioTime(listen);
        await new Promise((r) => setTimeout(r, 1000));
        return (await audioTime(listen)) - before >= 0.8 ? Date.now() - 1000 : undefined;
      },
      90_000,
      'the listener playing again',
    ).catch(async (err: Error) => {
      await trace.dump();
      throw err;
    });
    const afterwards = await observePlayback(listen, 15_000);
    if (afterwards.advancedS <= 12) await trace.dump();
    const times = {
      room_moved_s: movedS,
      participant_live_s: (participantBack - killedAt) / 1000,
      moods_on_dashboard_s: (moodsBack - killedAt) / 1000,
      listener_playing_s: (listenerBack - killedAt) / 1000,
    };
    // What the player's stall watchdog did (client/src/player/stall-watchdog.ts): seeks and restarts.
    const actions = (await listen.evaluate(
      `(() => { const p = (${DEEP_FIND})('moodify-player'); return p && p.watchdog ? p.watchdog.actions : []; })()`,
    )) as { at: number; action: string; from: number; to?: number }[];
    const watchdog =
      actions
        .map(
          (a) =>
            `${a.action} at ${((a.at - killedAt) / 1000).toFixed(1)} s from ${a.from.toFixed(2)}${a.to === undefined ? '' : ` to ${a.to.toFixed(2)}`}`,
        )
        .join(', ') || 'nothing';
    t.diagnostic(
      `failover to ${newOwner}: ${JSON.stringify(times)}; then ${afterwards.advancedS.toFixed(1)} s played in 15 s, stalls ${afterwards.stalls}; watchdog (s after the kill): ${watchdog}`,
    );
    console.log(`[cluster] failover times (s) after kill -9 of the owner: ${JSON.stringify({ newOwner, ...times })}`);
    const state = await listen.evaluate(`(() => { const a = (${DEEP_FIND})('audio'); const p = (${DEEP_FIND})('moodify-player');
    return { paused: a.paused, readyState: a.readyState, seeking: a.seeking, currentTime: a.currentTime, buffered: a.buffered.length ? [a.buffered.start(0), a.buffered.end(a.buffered.length - 1)] : [], status: p && p.status }; })()`);
    assert.ok(
      afterwards.advancedS > 12,
      `the listener keeps playing after the discontinuity (${afterwards.advancedS.toFixed(1)} s in 15 s; player ${JSON.stringify(state)})`,
    );
    await capture.close();
    await listen.close();
  },
);

// After the failover test: B and C are the live nodes.
test('two nodes racing to place one room: its participants always meet in one room (10 races)', { skip, timeout: 120_000 }, async () => {
  for (let i = 0; i < 10; i++) {
    const roomId = `race-${i}`;
    const [x, y] = await Promise.all([connect('b'), connect('c')]);
    const [rx, ry] = await Promise.all([x.call('join', { roomId, displayName: 'X' }), y.call('join', { roomId, displayName: 'Y' })]);
    assert.ok(rx.ok && ry.ok, `both joined: ${JSON.stringify([rx.error, ry.error])}`);
    const dx = rx.data as { participantId: string; peers: { participantId: string }[] };
    const dy = ry.data as { participantId: string; peers: { participantId: string }[] };
    // One room on one node: whoever joined second sees the first (two owners would leave both alone).
    const met = dx.peers.some((p) => p.participantId === dy.participantId) || dy.peers.some((p) => p.participantId === dx.participantId);
    assert.ok(met, `race ${i}: the two participants are in one room (owner ${await cluster.owner(roomId)})`);
    await Promise.all([x.close(), y.close()]);
  }
});

/**
 * Finds an element by selector through open shadow roots. A string, not a function: tsx would
 * wrap a function's inner helpers in a `__name` the page does not have.
 */
const DEEP_FIND = `(selector) => {
  const find = (root) => {
    const direct = root.querySelector(selector);
    if (direct) return direct;
    for (const el of root.querySelectorAll('*')) {
      const found = el.shadowRoot && find(el.shadowRoot);
      if (found) return found;
    }
    return null;
  };
  return find(document);
}`;

/** The current time of the listener page's audio element (inside <moodify-listen> and <moodify-player>). */
async function audioTime(page: Page): Promise<number> {
  return (await page.evaluate(`(${DEEP_FIND})('audio')?.currentTime ?? 0`)) as number;
}

async function captureStatus(page: Page): Promise<string | undefined> {
  return (await page.evaluate(`(${DEEP_FIND})('moodify-capture')?.dataset.status`)) as string | undefined;
}

/**
 * Watches playback for `ms`: how far the audio clock advanced, and the stalls: the element's
 * 'waiting' events (its buffer ran dry) and how long each lasted until 'playing'.
 */
async function observePlayback(page: Page, ms: number): Promise<{ advancedS: number; stalls: number; stalledS: number }> {
  await page.evaluate(`(() => {
    const audio = (${DEEP_FIND})('audio');
    const w = window;
    w.__stalls = { count: 0, ms: 0, since: null };
    if (w.__stallsWired) return;
    w.__stallsWired = true;
    audio.addEventListener('waiting', () => { w.__stalls.count++; w.__stalls.since = performance.now(); });
    audio.addEventListener('playing', () => { if (w.__stalls.since !== null) w.__stalls.ms += performance.now() - w.__stalls.since; w.__stalls.since = null; });
  })()`);
  const start = await audioTime(page);
  await new Promise((r) => setTimeout(r, ms));
  const end = await audioTime(page);
  const stalls = (await page.evaluate(
    `(() => { const s = window.__stalls; return { count: s.count, ms: s.ms + (s.since === null ? 0 : performance.now() - s.since) }; })()`,
  )) as { count: number; ms: number };
  return { advancedS: end - start, stalls: stalls.count, stalledS: stalls.ms / 1000 };
}

/**
 * Diagnostics for the failover: records the listener's media element, hls.js's events and its
 * playlist window every 0.5 s from the kill on; on a failure, writes them with C's playlist to a
 * file (named in the test's output).
 */
async function tracePlayer(page: Page, edgeUrl: string): Promise<{ dump(): Promise<void> }> {
  await page.evaluate(`(() => {
    const w = window; w.__trace = []; const t0 = performance.now();
    const log = (x) => { if (w.__trace.length < 5000) w.__trace.push(((performance.now() - t0) / 1000).toFixed(2) + ' ' + x); };
    const brief = (k, v) => (['frag', 'part', 'previousFrag'].includes(k) && v && v.sn !== undefined) ? 'sn' + v.sn + '/cc' + v.cc + '@' + (v.start || 0).toFixed(2)
      : (['details', 'networkDetails', 'context', 'loader', 'stats', 'levels', 'media', 'levelInfo', 'data', 'initSegment', 'chunkMeta', 'tracks', 'payload'].includes(k) ? typeof v : v);
    let wired = null;
    setInterval(() => {
      const a = (${DEEP_FIND})('audio'); const p = (${DEEP_FIND})('moodify-player'); const h = p && p.hls;
      const b = []; for (let i = 0; i < a.buffered.length; i++) b.push(a.buffered.start(i).toFixed(2) + '-' + a.buffered.end(i).toFixed(2));
      const d = h && h.levels && h.levels[0] && h.levels[0].details;
      log('state t=' + a.currentTime.toFixed(2) + ' paused=' + a.paused + ' readyState=' + a.readyState + ' buffered=' + b.join(',') + (d ? ' sn=' + d.startSN + '..' + d.endSN + ' cc=' + d.startCC + '..' + d.endCC + ' from=' + d.fragmentStart.toFixed(2) : '') + ' hls=' + !!h + (h && h.streamController ? ' sc=' + h.streamController.state + ' parts=' + h.streamController.loadingParts + ' cur=' + (h.streamController.fragCurrent ? h.streamController.fragCurrent.sn + '/cc' + h.streamController.fragCurrent.cc : '-') + ' next=' + h.streamController.nextLoadPosition + ' retryAt=' + h.streamController.retryDate : '') + ' watchdog=' + (p && p.watchdog ? p.watchdog.actions.length : '-'));
      if (h && h !== wired) {
        wired = h;
        for (const ev of Object.values(h.constructor.Events)) {
          if (/BUFFER_APPEND|FRAG_PARSING|FRAG_DECRYPTED|LEVEL_PTS|FPS|BUFFER_CODECS|BUFFER_CREATED|STEERING|NON_NATIVE/.test(ev)) continue;
          h.on(ev, (e, data) => { let x = ''; try { x = JSON.stringify(data, brief).slice(0, 400); } catch {} log(ev + ' ' + x); });
        }
      }
    }, 500);
    for (const ev of ['pause', 'play', 'playing', 'waiting', 'seeking', 'seeked', 'emptied', 'ended', 'error']) (${DEEP_FIND})('audio').addEventListener(ev, () => log('audio:' + ev));
  })()`);
  return {
    async dump() {
      const lines = (await page.evaluate('window.__trace')) as string[];
      const playlist = await fetch(`${edgeUrl}/stream/${ROOM}/live.m3u8`).then(
        async (r) => `${r.status}\n${await r.text()}`,
        (e: Error) => e.message,
      );
      const file = path.join(tempDir('moodify-cluster-trace-'), 'listener-trace.txt');
      fs.writeFileSync(file, `${lines.join('\n')}\n\n==== C's playlist at the failure\n${playlist}`);
      console.log(`[cluster] listener trace written to ${file}`);
    },
  };
}
