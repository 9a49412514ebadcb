/**
 * bench:cluster — a three-node Moodify cluster on this machine (real server processes, the
 * machine's Redis and PostgreSQL; test/helpers/cluster.ts), measuring:
 *   (a) LL-HLS listeners served at equal latency through 1 node (all on the room's owner) and
 *       through 3 nodes (a third on the owner, two thirds on two edges): the most listeners at
 *       which every part reached every listener while it was at most one part behind the live
 *       edge (bench:hls's LL criterion), on a ladder of levels;
 *   (b) upstream requests per part at the owner as the listeners on one edge grow (request
 *       collapsing: it should stay at 1);
 *   (c) failover: kill -9 of the room's owner, then the time until a participant reconnecting
 *       to its node is in the room again (on a new owner) AND that node's edge serves the new
 *       owner's stream; p50/p95 over BENCH_KILLS (≥ 5) kills.
 * Three nodes on one 2-core machine share its cores: (a) shows the edge's cost, not a scale-out.
 * Prints what it measured, the load average and the command; the last line is JSON.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { startCluster } from '../test/helpers/cluster.js';
import { waitFor } from '../test/helpers/server-process.js';
import { toneTracks } from '../test/stream/fixtures.js';
import { type LowLatencyRunResult, runLowLatencyListeners } from './lib/hls-listeners.js';
import { SignallingWs } from './lib/ws-client.js';

const LEVELS = (process.env.BENCH_LEVELS ?? '100,200,400,800').split(',').map(Number);
const LEVEL_S = Number(process.env.BENCH_LEVEL_S ?? 10);
const COLLAPSE_LEVELS = (process.env.BENCH_COLLAPSE_LEVELS ?? '10,50,200').split(',').map(Number);
const KILLS = Math.max(5, Number(process.env.BENCH_KILLS ?? 5));
/** Which figures to measure: any of a, b, c (default all). */
const ONLY = new Set((process.env.BENCH_ONLY ?? 'abc').split(''));
const ROOM = 'bench-cluster';
const NODES = ['a', 'b', 'c'];

const loadAverage = () => fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).map(Number);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pct = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] ?? NaN;
};
const round = (x: number, digits = 2) => Number(x.toFixed(digits));

console.log(
  `command: npm run bench:cluster (BENCH_ONLY=${[...ONLY].join('')} BENCH_LEVELS=${LEVELS} BENCH_LEVEL_S=${LEVEL_S} BENCH_COLLAPSE_LEVELS=${COLLAPSE_LEVELS} BENCH_KILLS=${KILLS})`,
);
console.log(`machine: ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB; load ${loadAverage().join(' ')}`);

const library = fs.mkdtempSync(path.join(os.tmpdir(), 'moodify-bench-cluster-'));
toneTracks(4, 30).forEach((t, i) => fs.copyFileSync(t.filePath, path.join(library, `tone-${i}.flac`)));
const cluster = await startCluster(NODES, {
  library,
  label: 'bench',
  // No models: this measures the cluster, not the analysis.
  env: { ANALYSIS_ENABLED: 'false', STREAM_IDLE_STOP_S: '60', RATE_LIMIT_MAX: '1000000' },
});
const url = (node: string) => cluster.nodes.get(node)!.url;
const wsUrl = (node: string) => `${url(node).replace(/^http/, 'ws')}/ws`;

async function metric(node: string, pattern: RegExp): Promise<number> {
  const text = await (await fetch(`${url(node)}/metrics`)).text();
  return Number(pattern.exec(text)?.[1] ?? 0);
}

try {
  // The room lives on node a (its first join, on an idle cluster, stays where it arrived).
  const anchor = await SignallingWs.connect(wsUrl('a'));
  await anchor.request('join', { roomId: ROOM, displayName: 'Bench' });
  if ((await cluster.owner(ROOM)) !== 'a') throw new Error(`room placed on ${await cluster.owner(ROOM)}, expected a`);
  await waitFor(
    async () => ((await fetch(`${url('a')}/stream/${ROOM}/live.m3u8`)).status === 200 ? true : undefined),
    60_000,
    'the stream on a',
  );
  await sleep(3000);

  // ---------------------------------------------------------------- (a) listeners, 1 vs 3 nodes
  const ok = (r: LowLatencyRunResult[]) => r.every((x) => x.errors === 0 && x.lateParts === 0 && x.partsPerListenerPerS >= 2.5);
  const ladder = async (label: string, nodes: string[]) => {
    let best = 0;
    const levels = [];
    for (const n of LEVELS) {
      const share = nodes.map((node, i) => Math.floor(n / nodes.length) + (i < n % nodes.length ? 1 : 0));
      const results = await Promise.all(
        nodes.map((node, i) =>
          runLowLatencyListeners({ url: url(node), roomId: ROOM, listeners: share[i]!, seconds: LEVEL_S, segmentS: 1 }),
        ),
      );
      const level = {
        nodes: label,
        listeners: n,
        ok: ok(results),
        parts_per_listener_per_s: round(results.reduce((s, r) => s + r.partsPerListenerPerS * r.listeners, 0) / n),
        late_parts: results.reduce((s, r) => s + r.lateParts, 0),
        errors: results.reduce((s, r) => s + r.errors, 0),
        load_average: loadAverage(),
      };
      levels.push(level);
      console.log(`(a) ${JSON.stringify(level)}`);
      if (!level.ok) break;
      best = n;
      await sleep(2000);
    }
    return { best, levels };
  };
  const one = ONLY.has('a') ? await ladder('1 (owner a)', ['a']) : { best: null };
  const three = ONLY.has('a') ? await ladder('3 (owner a + edges b, c)', ['a', 'b', 'c']) : { best: null };

  // ---------------------------------------------------------------- (b) collapsing at the owner
  const collapse = [];
  for (const n of ONLY.has('b') ? COLLAPSE_LEVELS : []) {
    const requestsBefore = await metric('a', /moodify_cluster_origin_part_requests\{count="requests"\} (\d+)/);
    const distinctBefore = await metric('a', /moodify_cluster_origin_part_requests\{count="distinct"\} (\d+)/);
    const servedBefore = await metric('c', /moodify_cluster_edge_requests\{kind="part",side="served"\} (\d+)/);
    const r = await runLowLatencyListeners({ url: url('c'), roomId: ROOM, listeners: n, seconds: LEVEL_S, segmentS: 1 });
    const requests = (await metric('a', /moodify_cluster_origin_part_requests\{count="requests"\} (\d+)/)) - requestsBefore;
    const distinct = (await metric('a', /moodify_cluster_origin_part_requests\{count="distinct"\} (\d+)/)) - distinctBefore;
    const served = (await metric('c', /moodify_cluster_edge_requests\{kind="part",side="served"\} (\d+)/)) - servedBefore;
    const level = {
      listeners_on_edge_c: n,
      parts_served_by_c: served,
      part_requests_at_owner: requests,
      distinct_parts: distinct,
      upstream_requests_per_part: round(requests / Math.max(1, distinct)),
      late_parts: r.lateParts,
      errors: r.errors,
      load_average: loadAverage(),
    };
    collapse.push(level);
    console.log(`(b) ${JSON.stringify(level)}`);
    await sleep(1000);
  }
  anchor.socket.terminate();

  // ---------------------------------------------------------------- (c) failover
  const failovers: { killed: string; via: string; new_owner: string; participant_s: number; edge_s: number; failover_s: number }[] = [];
  for (let k = 0; k < (ONLY.has('c') ? KILLS : 0); k++) {
    const owner = await waitFor(() => cluster.owner(ROOM), 30_000, 'an owner');
    const via = NODES.find((n) => n !== owner && cluster.nodes.has(n))!;
    // A participant whose node (its load balancer's pick) is not the owner, and a listener there.
    let participant = await SignallingWs.connect(wsUrl(via));
    await participant.request('join', { roomId: ROOM, displayName: 'Failover' });
    const oldStream = /([0-9a-f]{8})-init/.exec(await (await fetch(`${url(via)}/stream/${ROOM}/live.m3u8`)).text())?.[1];
    await sleep(1000);
    const killedAt = performance.now();
    await cluster.kill(owner);
    // The client's reconnect loop: its socket drops (the owner died), it reconnects to its node and joins.
    let participantS = NaN;
    const rejoin = (async () => {
      for (;;) {
        try {
          await participant.close().catch(() => {});
          participant = await SignallingWs.connect(wsUrl(via));
          const socket = participant.socket;
          // The relay closes the socket when the old owner is unreachable: that is an answer too.
          const closed = new Promise<undefined>((resolve) => socket.once('close', () => resolve(undefined)));
          const reply = await Promise.race([participant.call('join', { roomId: ROOM, displayName: 'Failover' }, 30_000), closed]);
          if (reply?.ok) {
            participantS = (performance.now() - killedAt) / 1000;
            return;
          }
        } catch {
          /* the relay dropped: try again */
        }
        await sleep(250);
      }
    })();
    let edgeS = NaN;
    const edge = (async () => {
      for (;;) {
        const res = await fetch(`${url(via)}/stream/${ROOM}/live.m3u8`).catch(() => undefined);
        const stream = res?.status === 200 ? /([0-9a-f]{8})-init/.exec(await res.text())?.[1] : undefined;
        if (stream && stream !== oldStream) {
          edgeS = (performance.now() - killedAt) / 1000;
          return;
        }
        await sleep(100);
      }
    })();
    await Promise.race([Promise.all([rejoin, edge]), sleep(120_000)]);
    const newOwner = (await cluster.owner(ROOM)) ?? '?';
    const round_ = {
      killed: owner,
      via,
      new_owner: newOwner,
      participant_s: round(participantS),
      edge_s: round(edgeS),
      failover_s: round(Math.max(participantS, edgeS)),
    };
    failovers.push(round_);
    console.log(`(c) ${JSON.stringify({ kill: k + 1, ...round_, load_average: loadAverage() })}`);
    await participant.close().catch(() => {});
    await cluster.start(owner); // the killed node comes back (a fresh process) for the next round
    await sleep(2000);
  }
  const times = failovers.map((f) => f.failover_s).filter(Number.isFinite);
  const result = {
    bench: 'cluster',
    listeners_1_node: one.best,
    listeners_3_nodes: three.best,
    upstream_requests_per_part: collapse.at(-1)?.upstream_requests_per_part ?? null,
    upstream_per_part_by_listeners: Object.fromEntries(collapse.map((c) => [c.listeners_on_edge_c, c.upstream_requests_per_part])),
    failover_p50_s: round(pct(times, 0.5)),
    failover_p95_s: round(pct(times, 0.95)),
    failovers: failovers.length,
    failovers_recovered: times.length,
    level_s: LEVEL_S,
    load_average: loadAverage(),
    cores: os.cpus().length,
    command: 'npm run bench:cluster',
  };
  console.log(JSON.stringify(result));
} finally {
  await cluster.stop();
  fs.rmSync(library, { recursive: true, force: true });
}
