/**
 * Simulated HLS listeners for bench:hls (b). Each listener has its own keep-alive connection
 * and behaves like a plain (non-LL) HLS player: once per segment duration, at its own random
 * phase (players start at different times), it fetches the live playlist and then the newest
 * segment it lists. A cycle is in time when the segment has fully arrived within one segment
 * duration of the cycle's start; a player buffers three segments, so that leaves it margin.
 *
 * LL mode (`runLowLatencyListeners`) behaves like hls.js in lowLatencyMode instead: a blocking
 * playlist reload for the next part (_HLS_msn/_HLS_part), then that part, again and again. A
 * part is in time when, as the playlist answered, at most one newer part existed (the listener
 * is no more than a part behind the live edge).
 *
 * Written instead of autocannon's rate mode because autocannon sends each connection's
 * requests for a second back to back at the top of every second, all connections in step (a
 * thundering herd no player fleet produces), and its coordinated-omission correction at such a
 * rate back-fills a synthetic sample for every millisecond of a slow response, which makes
 * its percentiles meaningless here.
 */
import http from 'node:http';

export interface ListenerRunOptions {
  url: string;
  roomId: string;
  listeners: number;
  seconds: number;
  segmentS: number;
}

export interface ListenerRunResult {
  listeners: number;
  /** Playlist + segment cycles completed, and those expected at full rate. */
  cycles: number;
  expectedCycles: number;
  lateCycles: number;
  errors: number;
  cycleP50Ms: number;
  cycleP99Ms: number;
  cycleMaxMs: number;
  requests: number;
  megabytesPerS: number;
}

function get(agent: http.Agent, url: string): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.setTimeout(10_000, () => req.destroy(new Error('timeout')));
  });
}

/** The last segment URI of a media playlist (the last line that is not a tag). */
function lastSegment(playlist: string): string | undefined {
  let end = playlist.length;
  while (end > 0) {
    const start = playlist.lastIndexOf('\n', end - 2) + 1;
    const line = playlist.slice(start, end).trim();
    if (line && !line.startsWith('#')) return line;
    end = start;
  }
  return undefined;
}

export async function runListeners(options: ListenerRunOptions): Promise<ListenerRunResult> {
  const { url, roomId, listeners, seconds, segmentS } = options;
  const playlistUrl = `${url}/stream/${roomId}/live.m3u8`;
  const periodMs = segmentS * 1000;
  const endAt = performance.now() + seconds * 1000;
  const cycleMs: number[] = [];
  let expected = 0;
  let late = 0;
  let errors = 0;
  let requests = 0;
  let bytes = 0;

  const listener = async (phaseMs: number) => {
    // One connection per listener, as each player has its own.
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    // Cycles start on a fixed grid: a generator that falls behind (a busy machine) catches up
    // at once instead of running fewer cycles.
    let next = performance.now() + phaseMs;
    try {
      for (; next < endAt; next += periodMs) {
        expected++;
        const wait = next - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        const started = performance.now();
        try {
          const playlist = await get(agent, playlistUrl);
          requests++;
          const segment = playlist.status === 200 ? lastSegment(playlist.body.toString('latin1')) : undefined;
          if (!segment) throw new Error(`playlist ${playlist.status}`);
          const file = await get(agent, `${url}/stream/${roomId}/${segment}`);
          requests++;
          if (file.status !== 200) throw new Error(`segment ${file.status}`);
          bytes += playlist.body.length + file.body.length;
          const took = performance.now() - started;
          cycleMs.push(took);
          if (took > periodMs) late++;
        } catch {
          errors++;
        }
      }
    } finally {
      agent.destroy();
    }
  };

  const all: Promise<void>[] = [];
  for (let i = 0; i < listeners; i++) all.push(listener(Math.random() * periodMs));
  await Promise.all(all);
  const sorted = cycleMs.sort((a, b) => a - b);
  const pct = (p: number) => Math.round(sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0);
  return {
    listeners,
    cycles: sorted.length,
    expectedCycles: expected,
    lateCycles: late,
    errors,
    cycleP50Ms: pct(0.5),
    cycleP99Ms: pct(0.99),
    cycleMaxMs: Math.round(sorted.at(-1) ?? 0),
    requests,
    megabytesPerS: Number((bytes / seconds / 1e6).toFixed(1)),
  };
}

export interface LowLatencyRunResult {
  listeners: number;
  parts: number;
  /** Parts received per listener per second (the stream makes about 3). */
  partsPerListenerPerS: number;
  lateParts: number;
  errors: number;
  requests: number;
  megabytesPerS: number;
}

const HINT = /#EXT-X-PRELOAD-HINT:TYPE=PART,URI="([^"?]+)/;
const PART_NAME = /-(\d+)\.(\d+)\.m4s$/;

export async function runLowLatencyListeners(options: ListenerRunOptions): Promise<LowLatencyRunResult> {
  const { url, roomId, listeners, seconds } = options;
  const playlistUrl = `${url}/stream/${roomId}/live.m3u8`;
  const endAt = performance.now() + seconds * 1000;
  let parts = 0;
  let late = 0;
  let errors = 0;
  let requests = 0;
  let bytes = 0;

  const listener = async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const first = await get(agent, playlistUrl);
      requests++;
      let next = HINT.exec(first.body.toString('latin1'))?.[1];
      while (next && performance.now() < endAt) {
        const [, msn, part] = PART_NAME.exec(next)!;
        const reload = await get(agent, `${playlistUrl}?_HLS_msn=${msn}&_HLS_part=${part}`);
        requests++;
        const text = reload.body.toString('latin1');
        const at = text.indexOf(`URI="${next}"`);
        if (reload.status !== 200 || at < 0) throw new Error(`blocking reload ${reload.status}`);
        // Newer parts listed after the one asked for: more than one means this listener lags.
        let newer = 0;
        for (let i = text.indexOf('#EXT-X-PART:', at); i >= 0; i = text.indexOf('#EXT-X-PART:', i + 1)) newer++;
        if (newer > 1) late++;
        const file = await get(agent, `${url}/stream/${roomId}/${next}`);
        requests++;
        if (file.status !== 200) throw new Error(`part ${file.status}`);
        parts++;
        bytes += reload.body.length + file.body.length;
        // The next part: the first listed after this one, else the one being written.
        const following = /#EXT-X-PART:[^\n]*URI="([^"?]+)/.exec(text.slice(at));
        next = following?.[1] ?? HINT.exec(text)?.[1];
      }
    } catch {
      errors++;
    } finally {
      agent.destroy();
    }
  };

  // Players join over a second, not all in the same instant.
  await Promise.all(Array.from({ length: listeners }, () => new Promise((r) => setTimeout(r, Math.random() * 1000)).then(listener)));
  return {
    listeners,
    parts,
    partsPerListenerPerS: Number((parts / listeners / seconds).toFixed(2)),
    lateParts: late,
    errors,
    requests,
    megabytesPerS: Number((bytes / seconds / 1e6).toFixed(1)),
  };
}
