/** Unit tests of the crossfade mixer (in-memory PCM) and the live playlist window. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CrossfadeMixer, loudnessGain } from '../../server/stream/crossfade-mixer.js';
import { LivePlaylist } from '../../server/stream/live-playlist.js';
import type { PcmSource } from '../../server/stream/track-decoder.js';

/** A whole track already in memory: a constant level on both channels. */
class MemorySource implements PcmSource {
  private offset = 0;
  closed = false;
  constructor(private readonly frames: number, private readonly level: number) {}
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

test('tracks follow each other with an equal-power crossfade: no gap, no cut', () => {
  const started: [string, number][] = [];
  const mixer2 = new CrossfadeMixer<{ id: string; loudnessLufs: number | null }, string>(settings, {
    onTrackStarted: (t, _r, at) => started.push([t.id, at]),
  });
  const a = new MemorySource(48000, 10000);
  mixer2.queue({ id: 'a', loudnessLufs: null }, a, { reason: 'start', switchNow: false });
  const first = mixer2.render(1000);
  assert.equal(mixer2.needsNext, true, 'a decoded-to-the-end track asks for its successor');
  mixer2.queue({ id: 'b', loudnessLufs: null }, new MemorySource(48000, 10000), { reason: 'next', switchNow: false });
  const rest = mixer2.render(48000 * 2 - 1000);
  const all = new Int16Array([...first, ...rest]);
  assert.deepEqual(started, [['a', 0], ['b', 48000 - 4800]]);
  // Equal power: the crossfade's middle is louder than either half alone (cos+sin ≥ 1), never silent.
  let min = Infinity;
  for (let f = 0; f < 48000 * 2 - 4800; f++) min = Math.min(min, all[f * 2]!);
  assert.ok(min >= 10000, `the level dropped to ${min} somewhere in the first ${2 * 48000 - 4800} frames`);
  assert.equal(all[(48000 - 2400) * 2], Math.round(10000 * 2 * Math.cos(Math.PI / 4)));
  // 'b' ran out before the render's end with nothing queued: that silence is counted as starvation.
  assert.equal(all.at(-1), 0);
  assert.equal(mixer2.starvedFrames, 2 * 48000 - (48000 + 48000 - 4800));
  assert.equal(a.closed, true, 'a finished track releases its decoder');
});

test('loudness matching brings every track to the target, with bounded boost', () => {
  assert.ok(Math.abs(loudnessGain(-26, -16, 9) - 10 ** (9 / 20)) < 1e-9, 'boost capped at 9 dB');
  assert.ok(Math.abs(loudnessGain(-10, -16, 9) - 10 ** (-6 / 20)) < 1e-9);
  assert.equal(loudnessGain(null, -16, 9), 1);
  const mixer = new CrossfadeMixer<{ loudnessLufs: number | null }, string>(settings);
  mixer.queue({ loudnessLufs: -22 }, new MemorySource(4800, 1000), { reason: 'start', switchNow: false });
  const out = mixer.render(100);
  assert.equal(out[0], Math.round(1000 * 10 ** (6 / 20)));
});

test('a switch waits for the minimum play time, then crossfades with its own fade length', () => {
  const started: [string, string, number][] = [];
  const mixer = new CrossfadeMixer<{ id: string; loudnessLufs: null }, string>(settings, {
    onTrackStarted: (t, r, at) => started.push([t.id, r, at]),
  });
  mixer.queue({ id: 'a', loudnessLufs: null }, new MemorySource(10 * 48000, 8000), { reason: 'start', switchNow: false });
  mixer.render(4800);
  mixer.queue({ id: 'm', loudnessLufs: null }, new MemorySource(10 * 48000, 8000), { reason: 'mood', switchNow: true, minPlayedS: 0.5, fadeS: 0.2 });
  mixer.render(48000);
  assert.deepEqual(started, [['a', 'start', 0], ['m', 'mood', 24000]]);
  assert.equal(mixer.currentTrack?.id, 'm');
});

test('an undecodable queued track is dropped and the mixer asks for another', () => {
  const failed: string[] = [];
  const mixer = new CrossfadeMixer<{ id: string; loudnessLufs: null }, string>(settings, { onTrackFailed: (t) => failed.push(t.id) });
  mixer.queue({ id: 'broken', loudnessLufs: null }, new MemorySource(0, 0), { reason: 'start', switchNow: false });
  const out = mixer.render(480);
  assert.deepEqual(failed, ['broken']);
  assert.equal(out.every((s) => s === 0), true);
  assert.equal(mixer.needsNext, true);
});

test('the live playlist slides, keeps late segments fetchable and counts discontinuities', () => {
  const playlist = new LivePlaylist({ windowSize: 3, keepAfterWindow: 2, segmentS: 1 });
  const add = (sequence: number, discontinuity = false) =>
    playlist.add({ name: `x-${sequence}.ts`, sequence, durationS: 1.00267, programDateMs: 1_700_000_000_000 + sequence * 1000, discontinuity, bytes: Buffer.alloc(1) });
  for (let i = 0; i < 4; i++) add(i);
  add(4, true);
  let text = playlist.toString();
  assert.match(text, /#EXT-X-MEDIA-SEQUENCE:2\n/);
  assert.match(text, /#EXT-X-DISCONTINUITY-SEQUENCE:0\n/);
  assert.match(text, /#EXT-X-DISCONTINUITY\n#EXT-X-PROGRAM-DATE-TIME:[^\n]+\n#EXTINF:1.00267,\nx-4.ts/);
  assert.match(text, /#EXT-X-TARGETDURATION:1\n/);
  assert.ok(playlist.segment('x-0.ts'), 'a segment that left the window is still fetchable');
  const evicted = [5, 6].flatMap((s) => add(s));
  assert.deepEqual(evicted.map((s) => s.name), ['x-0.ts', 'x-1.ts']);
  text = playlist.toString();
  assert.match(text, /#EXT-X-MEDIA-SEQUENCE:4\n#EXT-X-DISCONTINUITY-SEQUENCE:1\n/);
  assert.doesNotMatch(text, /#EXT-X-DISCONTINUITY\n/, 'the first listed segment carries its number, not a tag');
  for (let s = 7; s < 12; s++) add(s);
  assert.match(playlist.toString(), /#EXT-X-DISCONTINUITY-SEQUENCE:1\n/);
});
