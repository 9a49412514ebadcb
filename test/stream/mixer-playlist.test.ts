/** Unit tests of the crossfade mixer (in-memory PCM) and the live playlist window. */
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { CrossfadeMixer, loudnessGain } from '../../server/stream/crossfade-mixer.js';
import { LivePlaylist } from '../../server/stream/live-playlist.js';
import { SAMPLE_RATE } from '../../server/stream/pcm-format.js';
import type { PcmSource } from '../../server/stream/track-decoder.js';

/** A whole track already in memory: a constant level on both channels. */
class MemorySource implements PcmSource {
  private offset = 0;
  closed = false;
  constructor(
    private readonly frames: number,
    private readonly level: number,
  ) {}
  get bufferedFrames() {
    return this.frames - this.offset;
  }
  readonly finished = true;
  read(n: number): Int16Array {
    const take = Math.min(n, this.bufferedFrames);
    this.offset += take;
    return new Int16Array(take * 2).fill(this.level);
  }
  close() {
    this.closed = true;
  }
}

const settings = { crossfadeS: 0.1, targetLufs: -16, maxBoostDb: 9 };
/** One second of frames, and the 0.1 s crossfade. */
const R = SAMPLE_RATE;
const FADE = Math.round(0.1 * R);

test('tracks follow each other with an equal-power crossfade: no gap, no cut', () => {
  const started: [string, number][] = [];
  const mixer2 = new CrossfadeMixer<{ id: string; loudnessLufs: number | null }, string>(settings, {
    onTrackStarted: (t, _r, at) => started.push([t.id, at]),
  });
  const a = new MemorySource(R, 10000);
  mixer2.queue({ id: 'a', loudnessLufs: null }, a, { reason: 'start', switchNow: false });
  const first = mixer2.render(1000);
  assert.equal(mixer2.needsNext, true, 'a decoded-to-the-end track asks for its successor');
  mixer2.queue({ id: 'b', loudnessLufs: null }, new MemorySource(R, 10000), { reason: 'next', switchNow: false });
  const rest = mixer2.render(R * 2 - 1000);
  const all = new Int16Array([...first, ...rest]);
  assert.deepEqual(started, [
    ['a', 0],
    ['b', R - FADE],
  ]);
  // Equal power: the crossfade's middle is louder than either half alone (cos+sin ≥ 1), never silent.
  let min = Infinity;
  for (let f = 0; f < R * 2 - FADE; f++) min = Math.min(min, all[f * 2]!);
  assert.ok(min >= 10000, `the level dropped to ${min} somewhere in the first ${2 * R - FADE} frames`);
  assert.equal(all[(R - FADE / 2) * 2], Math.round(10000 * 2 * Math.cos(Math.PI / 4)));
  // 'b' ran out before the render's end with nothing queued: that silence is counted as starvation.
  assert.equal(all.at(-1), 0);
  assert.equal(mixer2.starvedFrames, 2 * R - (R + R - FADE));
  assert.equal(a.closed, true, 'a finished track releases its decoder');
});

test('loudness matching brings every track to the target, with bounded boost', () => {
  assert.ok(Math.abs(loudnessGain(-26, -16, 9) - 10 ** (9 / 20)) < 1e-9, 'boost capped at 9 dB');
  assert.ok(Math.abs(loudnessGain(-10, -16, 9) - 10 ** (-6 / 20)) < 1e-9);
  assert.equal(loudnessGain(null, -16, 9), 1);
  const mixer = new CrossfadeMixer<{ loudnessLufs: number | null }, string>(settings);
  mixer.queue({ loudnessLufs: -22 }, new MemorySource(FADE, 1000), { reason: 'start', switchNow: false });
  const out = mixer.render(100);
  assert.equal(out[0], Math.round(1000 * 10 ** (6 / 20)));
  // A source that applied the gain itself (the ffmpeg decoder) is not scaled twice.
  const preGained = Object.assign(new MemorySource(FADE, 2000), { appliedGain: 10 ** (6 / 20) });
  const mixer2 = new CrossfadeMixer<{ loudnessLufs: number | null }, string>(settings);
  mixer2.queue({ loudnessLufs: -22 }, preGained, { reason: 'start', switchNow: false });
  assert.equal(mixer2.render(100)[0], 2000);
});

test('a switch waits for the minimum play time, then crossfades with its own fade length', () => {
  const started: [string, string, number][] = [];
  const mixer = new CrossfadeMixer<{ id: string; loudnessLufs: null }, string>(settings, {
    onTrackStarted: (t, r, at) => started.push([t.id, r, at]),
  });
  mixer.queue({ id: 'a', loudnessLufs: null }, new MemorySource(10 * R, 8000), { reason: 'start', switchNow: false });
  mixer.render(FADE);
  mixer.queue({ id: 'm', loudnessLufs: null }, new MemorySource(10 * R, 8000), {
    reason: 'mood',
    switchNow: true,
    minPlayedS: 0.5,
    fadeS: 0.2,
  });
  mixer.render(R);
  assert.deepEqual(started, [
    ['a', 'start', 0],
    ['m', 'mood', R / 2],
  ]);
  assert.equal(mixer.currentTrack?.id, 'm');
});

test('an undecodable queued track is dropped and the mixer asks for another', () => {
  const failed: string[] = [];
  const mixer = new CrossfadeMixer<{ id: string; loudnessLufs: null }, string>(settings, { onTrackFailed: (t) => failed.push(t.id) });
  mixer.queue({ id: 'broken', loudnessLufs: null }, new MemorySource(0, 0), { reason: 'start', switchNow: false });
  // Rendered into a reused buffer holding old audio: the starved frames are silence, not the old audio.
  const scratch = new Int16Array(2 * 1000).fill(1234);
  const out = mixer.render(480, scratch);
  assert.deepEqual(failed, ['broken']);
  assert.equal(out.length, 480 * 2);
  assert.equal(
    out.every((s) => s === 0),
    true,
  );
  assert.equal(mixer.needsNext, true);
});

const partS = (14 * 1024) / 44100;
function playlistWithParts(windowSize = 3) {
  const playlist = new LivePlaylist({ prefix: 'x-', windowSize, keepAfterWindow: 2, partsPerSegment: 3, partS, partHoldBackParts: 3 });
  let clockMs = 1_700_000_000_000;
  const addPart = () => {
    const completed = playlist.addPart({ bytes: Buffer.from([playlist.version & 0xff]), durationS: partS, programDateMs: clockMs });
    clockMs += partS * 1000;
    return completed;
  };
  return { playlist, addPart };
}

test('the live playlist groups parts into segments, slides, keeps late segments fetchable and counts discontinuities', () => {
  const { playlist, addPart } = playlistWithParts();
  playlist.startRun(Buffer.from('init-0'));
  for (let i = 0; i < 4 * 3; i++) addPart();
  playlist.endRun();
  playlist.startRun(Buffer.from('init-1'));
  for (let i = 0; i < 3; i++) addPart(); // segment 4, after a discontinuity
  let text = playlist.toString();
  assert.match(text, /#EXT-X-MEDIA-SEQUENCE:2\n/);
  assert.match(text, /#EXT-X-DISCONTINUITY-SEQUENCE:0\n/);
  assert.match(text, /#EXT-X-MAP:URI="x-init0.mp4"\n/);
  assert.match(
    text,
    /#EXT-X-DISCONTINUITY\n#EXT-X-MAP:URI="x-init1.mp4"\n#EXT-X-PROGRAM-DATE-TIME:[^\n]+\n(#EXT-X-PART:[^\n]+\n){3}#EXTINF:0.97524,\nx-4.m4s\n/,
  );
  assert.match(text, /#EXT-X-TARGETDURATION:1\n/);
  assert.equal(playlist.lastSequence, 4);
  // A segment's bytes are its parts' bytes; a segment that left the window is still fetchable.
  assert.deepEqual(playlist.file('x-4.m4s')!.bytes, Buffer.concat([0, 1, 2].map((p) => playlist.file(`x-4.${p}.m4s`)!.bytes)));
  assert.ok(playlist.file('x-0.m4s'), 'a segment that left the window is still fetchable');
  assert.equal(playlist.file('x-init1.mp4')?.kind, 'init');
  for (let i = 0; i < 2 * 3; i++) addPart();
  assert.equal(playlist.file('x-0.m4s'), undefined, 'evicted after window + keep');
  assert.equal(playlist.file('x-0.1.m4s'), undefined, 'its parts too');
  text = playlist.toString();
  assert.match(
    text,
    /#EXT-X-MEDIA-SEQUENCE:4\n#EXT-X-DISCONTINUITY-SEQUENCE:1\n#EXT-X-INDEPENDENT-SEGMENTS\n#EXT-X-MAP:URI="x-init1.mp4"\n/,
  );
  assert.doesNotMatch(text, /#EXT-X-DISCONTINUITY\n/, 'the first listed segment carries its number, not a tag');
  for (let i = 0; i < 5 * 3; i++) addPart();
  assert.match(playlist.toString(), /#EXT-X-DISCONTINUITY-SEQUENCE:1\n/);
  assert.equal(playlist.file('x-init0.mp4'), undefined, 'an init segment goes with its last segment');
});

test('LL-HLS: parts of the last segments and the one being written are listed, with a preload hint and server control', () => {
  const { playlist, addPart } = playlistWithParts(6);
  playlist.startRun(Buffer.from('init'));
  for (let i = 0; i < 6 * 3 + 2; i++) addPart();
  const text = playlist.toString();
  assert.match(text, /#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=0.975\n/);
  assert.match(text, /#EXT-X-PART-INF:PART-TARGET=0.32508\n/);
  // Parts for the last 3 complete segments only (about three target durations), then the open one.
  const parts = [...text.matchAll(/#EXT-X-PART:DURATION=([\d.]+),URI="([^"]+)",INDEPENDENT=YES/g)];
  assert.deepEqual(
    parts.map((m) => m[2]),
    [
      'x-3.0.m4s',
      'x-3.1.m4s',
      'x-3.2.m4s',
      'x-4.0.m4s',
      'x-4.1.m4s',
      'x-4.2.m4s',
      'x-5.0.m4s',
      'x-5.1.m4s',
      'x-5.2.m4s',
      'x-6.0.m4s',
      'x-6.1.m4s',
    ],
  );
  assert.ok(parts.every((m) => Number(m[1]) <= 0.32508));
  assert.match(text, /URI="x-6.1.m4s",INDEPENDENT=YES\n#EXT-X-PRELOAD-HINT:TYPE=PART,URI="x-6.2.m4s"\n$/);
  assert.equal([...text.matchAll(/^x-\d+\.m4s$/gm)].length, 6, 'six complete segments for legacy players');
  assert.equal(playlist.nextPartName, 'x-6.2.m4s');
  // Blocking-reload conditions.
  assert.equal(playlist.has(5), true);
  assert.equal(playlist.has(6), false, 'segment 6 is not complete');
  assert.equal(playlist.has(6, 1), true);
  assert.equal(playlist.has(6, 2), false);
  assert.equal(playlist.has(5, 3), true, 'a part index past a complete segment means the next segment has begun');
  // The listener link is carried on every URI, tags' URIs included.
  const linked = playlist.toString('lt=abc');
  assert.match(linked, /^x-5\.m4s\?lt=abc$/m);
  assert.match(linked, /URI="x-6\.1\.m4s\?lt=abc"/);
  assert.match(linked, /#EXT-X-MAP:URI="x-init0\.mp4\?lt=abc"/);
});

test('LL-HLS: a blocked reload resolves when its part appears, and times out otherwise', async () => {
  const { playlist, addPart } = playlistWithParts();
  playlist.startRun(Buffer.from('init'));
  for (let i = 0; i < 3 * 3; i++) addPart();
  const waiting = playlist.waitUntil(() => playlist.has(3, 1), 2000);
  let resolved = false;
  void waiting.then(() => (resolved = true));
  addPart();
  await new Promise((r) => setImmediate(r));
  assert.equal(resolved, false, 'part 0 of segment 3 is not part 1');
  addPart();
  assert.equal(await waiting, true);
  const started = Date.now();
  assert.equal(await playlist.waitUntil(() => playlist.has(9), 100), false);
  assert.ok(Date.now() - started >= 90);
});
