/**
 * 10,000 random and malformed signalling messages over several sockets: every one is answered
 * (an error reply naming the problem), a well-behaved peer in the same room keeps delivering
 * frames throughout, and afterwards nothing is left: no room, router, transport, ffmpeg or port.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { type RecordedStream, recordOpus, recordVp8, RtpReplayer } from '../../bench/lib/rtp-replay.js';
import { joinSyntheticPeer } from '../../bench/lib/synthetic-peer.js';
import { SignallingWs } from '../../bench/lib/ws-client.js';
import type { VideoTap } from '../../media/ingest/producer-tap.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { boundUdpPorts, ffmpegChildren, mediasoupObjects } from '../helpers/leaks.js';
import { waitFor } from '../helpers/server-process.js';
import { ferImages, makeFaceClip, makeSpeechWav, sharedDataAvailable, speechClips, tempDir } from '../helpers/test-media.js';

const skip = sharedDataAvailable() ? false : 'needs ../shared/data';
const RTC = { min: 47000, max: 47999 };
let server: TestApp;
let video: RecordedStream;
let audio: RecordedStream;
let replayer: RtpReplayer;

before(async () => {
  if (skip) return;
  const dir = tempDir('moodify-fuzz-');
  const clip = makeFaceClip(ferImages('neutral', 2), path.join(dir, 'faces.y4m'));
  video = await recordVp8(clip.y4m);
  audio = await recordOpus(makeSpeechWav(speechClips(1), path.join(dir, 'speech.wav')).wav);
  server = await startTestApp({
    SIGNALLING_RATE_PER_SECOND: '100000', // the rate limit has its own test; here every message must reach the parser
    RTC_MIN_PORT: String(RTC.min),
    RTC_MAX_PORT: String(RTC.max),
  });
  replayer = new RtpReplayer();
  await replayer.start();
});
after(async () => {
  replayer?.stop();
  await server?.close();
});

/** A deterministic pseudo-random generator, so a failure can be replayed. */
function rng(seed: number) {
  return () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
}

const METHODS = [
  'join',
  'leave',
  'watch',
  'unwatch',
  'ping',
  'createWebRtcTransport',
  'createPlainTransport',
  'connectWebRtcTransport',
  'produce',
  'pauseProducer',
  'resumeProducer',
  'closeProducer',
];

function randomValue(r: () => number, depth = 0): unknown {
  const pick = Math.floor(r() * 9);
  switch (pick) {
    case 0:
      return null;
    case 1:
      return r() * 1e6 - 5e5;
    case 2:
      return r() > 0.5;
    case 3:
      return 'x'.repeat(Math.floor(r() * 100));
    case 4:
      return String.fromCharCode(...Array.from({ length: 8 }, () => Math.floor(r() * 0xd7ff)));
    case 5:
      return depth > 2 ? [] : Array.from({ length: Math.floor(r() * 4) }, () => randomValue(r, depth + 1));
    case 6:
      return depth > 2
        ? {}
        : Object.fromEntries(Array.from({ length: Math.floor(r() * 4) }, (_, i) => [`k${i}`, randomValue(r, depth + 1)]));
    case 7:
      return 'living-room';
    default:
      return -1;
  }
}

/** One fuzz message: text or binary, from utter garbage to nearly valid requests. */
function fuzzMessage(r: () => number, id: number): string | Buffer {
  const kind = Math.floor(r() * 12);
  const method = METHODS[Math.floor(r() * METHODS.length)]!;
  switch (kind) {
    case 0:
      return Buffer.from(Array.from({ length: 1 + Math.floor(r() * 64) }, () => Math.floor(r() * 256)));
    case 1:
      return `{"v":1,"id":${id},"method":"join","data":{`; // truncated JSON
    case 2:
      return JSON.stringify(randomValue(r));
    case 3:
      return JSON.stringify({ v: 2, id, method, data: {} });
    case 4:
      return JSON.stringify({ v: 1, id, method: `nope-${Math.floor(r() * 100)}`, data: {} });
    case 5:
      return JSON.stringify({ v: 1, id, method, data: randomValue(r) });
    case 6:
      return JSON.stringify({
        v: 1,
        id,
        method,
        data: {
          transportId: 'f'.repeat(36),
          producerId: 'a'.repeat(36),
          kind: 'video',
          rtpParameters: { codecs: [randomValue(r)] },
          dtlsParameters: { fingerprints: [{ algorithm: 'md5', value: 'zz' }] },
        },
      });
    case 7:
      return JSON.stringify({ v: 1, id, method: 'join', data: { roomId: `fuzz-${Math.floor(r() * 3)}`, displayName: 'fuzzer' } });
    case 8:
      return JSON.stringify({ v: 1, id, method: 'createPlainTransport', data: {} });
    case 9:
      return JSON.stringify({
        v: 1,
        id,
        method: 'produce',
        data: {
          transportId: 'nope',
          kind: 'audio',
          rtpParameters: {
            codecs: [{ mimeType: 'audio/opus', payloadType: 100, clockRate: 48000, channels: 2 }],
            encodings: [{ ssrc: 1 }],
          },
        },
      });
    case 10:
      return JSON.stringify({ v: 1, id, method: 'ping', data: { pad: 'p'.repeat(70 * 1024) } }); // over the 64 KiB message limit
    default:
      return JSON.stringify({ v: 1, id, method: 'leave', data: {} });
  }
}

test('10,000 fuzz messages: every one answered, the good peer keeps flowing, nothing leaks', { skip, timeout: 180000 }, async (t) => {
  const wsUrl = server.url.replace('http', 'ws') + '/ws';
  const udpBefore = boundUdpPorts(20000, 29999).length + boundUdpPorts(RTC.min, RTC.max).length;

  const tapReady = new Promise<VideoTap>((resolve) =>
    server.app.rooms.on('videoTap', ({ roomId, tap }) => roomId === 'fuzz-0' && resolve(tap)),
  );
  const good = await joinSyntheticPeer({ wsUrl, roomId: 'fuzz-0', displayName: 'good', streams: [video, audio], replayer });
  const goodTap = await tapReady;
  let framesDuringFuzz = 0;
  const reading = (async () => {
    for await (const _frame of goodTap.frames()) framesDuringFuzz++;
  })();

  const SOCKETS = 5;
  const PER_SOCKET = 2000;
  const fuzzers = await Promise.all(Array.from({ length: SOCKETS }, () => SignallingWs.connect(wsUrl)));
  const started = Date.now();
  fuzzers.forEach((ws, s) => {
    const r = rng(1000 + s);
    for (let i = 0; i < PER_SOCKET; i++) ws.socket.send(fuzzMessage(r, i));
  });
  await waitFor(() => fuzzers.every((ws) => ws.replies.length >= PER_SOCKET) || undefined, 120000, 'a reply to every fuzz message');
  const elapsed = Date.now() - started;
  const replies = fuzzers.flatMap((ws) => ws.replies);
  const codes = new Map<string, number>();
  for (const reply of replies) {
    const key = reply.ok ? 'ok' : reply.error!.code;
    codes.set(key, (codes.get(key) ?? 0) + 1);
    if (!reply.ok) assert.ok(reply.error!.message.length > 0, 'every error names its problem');
  }
  t.diagnostic(`${replies.length} replies in ${elapsed} ms: ${[...codes].map(([k, v]) => `${k}=${v}`).join(', ')}`);
  assert.equal(replies.length, SOCKETS * PER_SOCKET, 'exactly one reply per message');
  for (const code of [
    'bad-json',
    'bad-envelope',
    'unsupported-version',
    'unknown-method',
    'invalid-params',
    'too-large',
    'not-joined',
    'unknown-transport',
  ]) {
    assert.ok((codes.get(code) ?? 0) > 0, `the fuzz reached the "${code}" path`);
  }
  assert.ok(
    framesDuringFuzz >= Math.floor((elapsed / 1000) * 5 * 0.5),
    `the good peer kept delivering frames: ${framesDuringFuzz} in ${elapsed} ms`,
  );

  await Promise.all(fuzzers.map((ws) => ws.close()));
  await good.leave();
  await reading;
  await waitFor(() => server.app.rooms.rooms.size === 0 || undefined, 10000, 'every room closed');
  await waitFor(() => ffmpegChildren() === 0 || undefined, 5000, 'no ffmpeg left');
  const objects = await mediasoupObjects(server.app);
  assert.deepEqual(objects, { routers: 0, transports: 0 });
  await waitFor(
    () => boundUdpPorts(20000, 29999).length + boundUdpPorts(RTC.min, RTC.max).length <= udpBefore || undefined,
    5000,
    'every UDP port released',
  );
});

test('the per-socket rate limit answers with rate-limited, not by closing', { skip }, async () => {
  const limited = await startTestApp({ SIGNALLING_RATE_PER_SECOND: '10', MEDIASOUP_WORKERS: '1' });
  try {
    const ws = await SignallingWs.connect(limited.url.replace('http', 'ws') + '/ws');
    for (let i = 0; i < 100; i++) ws.socket.send(JSON.stringify({ v: 1, id: i, method: 'ping', data: {} }));
    await waitFor(() => ws.replies.length >= 100 || undefined, 10000, '100 replies');
    const limitedCount = ws.replies.filter((r) => r.error?.code === 'rate-limited').length;
    assert.ok(limitedCount >= 70, `${limitedCount} of 100 rate-limited`);
    assert.ok(ws.replies.filter((r) => r.ok).length >= 10);
    await ws.close();
  } finally {
    await limited.close();
  }
});
