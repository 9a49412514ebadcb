/**
 * 100 join/leave cycles of a participant sending camera + mic (plain RTP replay of a real clip)
 * leave no process, port, mediasoup object or memory growth beyond noise.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { type RecordedStream, recordOpus, recordVp8, RtpReplayer } from '../../bench/lib/rtp-replay.js';
import { joinSyntheticPeer } from '../../bench/lib/synthetic-peer.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { boundUdpPorts, ffmpegChildren, mediasoupObjects } from '../helpers/leaks.js';
import { waitFor } from '../helpers/server-process.js';
import { ferImages, makeFaceClip, makeSpeechWav, sharedDataAvailable, speechClips, tempDir } from '../helpers/test-media.js';

const skip = sharedDataAvailable() ? false : 'needs ../shared/data';
const RTC = { min: 46000, max: 46999 };
let server: TestApp;
let streams: RecordedStream[];
let replayer: RtpReplayer;

before(async () => {
  if (skip) return;
  const dir = tempDir('moodify-cycles-');
  const clip = makeFaceClip(ferImages('fear', 2), path.join(dir, 'faces.y4m'));
  streams = [await recordVp8(clip.y4m), await recordOpus(makeSpeechWav(speechClips(1), path.join(dir, 's.wav')).wav)];
  server = await startTestApp({ RTC_MIN_PORT: String(RTC.min), RTC_MAX_PORT: String(RTC.max) });
  replayer = new RtpReplayer();
  await replayer.start();
});
after(async () => {
  replayer?.stop();
  await server?.close();
});

function rssMb(pid: number | 'self'): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)![1]) / 1024;
}

test('100 join/leave cycles leave no process, port or memory growth', { skip, timeout: 300000 }, async (t) => {
  const wsUrl = server.url.replace('http', 'ws') + '/ws';
  const workerPids = server.app.services.workers.info().map((w) => w.pid);
  const cycle = async (i: number) => {
    const peer = await joinSyntheticPeer({ wsUrl, roomId: `cycle-${i % 3}`, streams, replayer });
    await new Promise((r) => setTimeout(r, 50)); // let packets flow into the decoders
    await peer.leave();
  };
  const settle = async () => {
    await waitFor(() => server.app.rooms.rooms.size === 0 || undefined, 10000, 'rooms closed');
    global.gc?.();
    await new Promise((r) => setTimeout(r, 300));
  };

  // Warm-up: the first cycles load code, fill pools and spare decoders.
  for (let i = 0; i < 10; i++) await cycle(i);
  await settle();
  const before = {
    ffmpeg: ffmpegChildren(),
    ports: boundUdpPorts(20000, 29999).length + boundUdpPorts(RTC.min, RTC.max).length,
    rss: rssMb('self'),
    workersRss: workerPids.reduce((sum, pid) => sum + rssMb(pid), 0),
  };
  for (let i = 0; i < 100; i++) await cycle(i);
  await settle();
  await waitFor(() => ffmpegChildren() <= before.ffmpeg || undefined, 5000, 'decoders gone');
  const afterCycles = {
    ffmpeg: ffmpegChildren(),
    ports: boundUdpPorts(20000, 29999).length + boundUdpPorts(RTC.min, RTC.max).length,
    rss: rssMb('self'),
    workersRss: workerPids.reduce((sum, pid) => sum + rssMb(pid), 0),
  };
  t.diagnostic(`before ${JSON.stringify(before)} after ${JSON.stringify(afterCycles)}`);
  assert.equal(afterCycles.ffmpeg, 0, `decoders left besides the spares: ${afterCycles.ffmpeg}`);
  assert.ok(afterCycles.ports <= before.ports, `UDP ports ${before.ports} → ${afterCycles.ports}`);
  assert.deepEqual(await mediasoupObjects(server.app), { routers: 0, transports: 0 });
  assert.ok(afterCycles.rss - before.rss < 40, `server RSS grew ${(afterCycles.rss - before.rss).toFixed(1)} MB`);
  assert.ok(
    afterCycles.workersRss - before.workersRss < 20,
    `workers' RSS grew ${(afterCycles.workersRss - before.workersRss).toFixed(1)} MB`,
  );
  assert.equal(server.app.services.workers.liveCount(), server.app.services.workers.size);
});
