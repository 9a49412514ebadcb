import assert from 'node:assert/strict';
import { test } from 'node:test';

import fc from 'fast-check';

import { syntheticCatalog } from '../../test/helpers/synthetic-catalog.js';
import { distance } from '../../vocabulary/circumplex.js';
import { type CatalogTrack, type MoodReading, pickTrack, type PlayRecord, targetFor } from './recommender.js';
import { DwellTracker } from './smoothness.js';

const sad: MoodReading = { emotion: 'sad', confidence: 0.72, valence: -0.63, arousal: -0.27 };
const point = fc.record({ valence: fc.double({ min: -1, max: 1, noNaN: true }), arousal: fc.double({ min: -1, max: 1, noNaN: true }) });

test('match keeps the target on the mood', () => {
  fc.assert(fc.property(point, (m) => assert.deepEqual(targetFor(m, 'match'), { valence: m.valence, arousal: m.arousal })));
});

test('lift raises valence and calm lowers arousal, each by at most one step from the mood (iso principle)', () => {
  fc.assert(
    fc.property(point, fc.double({ min: 0.05, max: 0.5, noNaN: true }), (m, step) => {
      const lift = targetFor(m, 'lift', step);
      const calm = targetFor(m, 'calm', step);
      assert.ok(distance(lift, m) <= step + 1e-9 && distance(calm, m) <= step + 1e-9);
      if (m.valence < 0.8 - 1e-9) assert.ok(lift.valence > m.valence, `lift from ${JSON.stringify(m)} → ${JSON.stringify(lift)}`);
      if (m.arousal > -0.7 + 1e-9) assert.ok(calm.arousal < m.arousal, `calm from ${JSON.stringify(m)} → ${JSON.stringify(calm)}`);
    }),
  );
  // Step by step: repeated lifting from sad walks toward positive valence without jumping.
  let m = { valence: sad.valence, arousal: sad.arousal };
  const path = [m];
  for (let i = 0; i < 8; i++) path.push((m = targetFor(m, 'lift')));
  for (let i = 1; i < path.length; i++)
    assert.ok(path[i]!.valence >= path[i - 1]!.valence && distance(path[i]!, path[i - 1]!) <= 0.25 + 1e-9);
  assert.ok(path.at(-1)!.valence > 0.5);
});

test('the picked track follows the strategy: calm picks lower arousal than match, lift higher valence', () => {
  const catalog = syntheticCatalog(2000, 7);
  const base = { mood: sad, now: 0, history: [] };
  const match = pickTrack(catalog, { ...base, strategy: 'match' })!;
  const lift = pickTrack(catalog, { ...base, strategy: 'lift' })!;
  const calm = pickTrack(catalog, { ...base, strategy: 'calm' })!;
  assert.ok(match.moodDistance < 0.1, 'a 2000-track library has something near the mood');
  assert.ok(lift.track.valence > match.track.valence + 0.1);
  assert.ok(calm.track.arousal < match.track.arousal - 0.1);
});

test('no repeat inside the freshness window (N tracks or T minutes)', () => {
  const catalog = syntheticCatalog(60, 3);
  const history: PlayRecord[] = [];
  let now = 0;
  for (let i = 0; i < 200; i++, now += 3 * 60_000) {
    const pick = pickTrack(catalog, { mood: sad, strategy: 'match', now, history }, { freshnessTracks: 10, freshnessMinutes: 45 })!;
    const lastTen = history.slice(-10).map((p) => p.trackId);
    const lastMinutes = history.filter((p) => p.at >= now - 45 * 60_000).map((p) => p.trackId);
    assert.ok(!lastTen.includes(pick.track.trackId), `repeat within 10 tracks at pick ${i}`);
    assert.ok(!lastMinutes.includes(pick.track.trackId), `repeat within 45 minutes at pick ${i}`);
    history.push({ trackId: pick.track.trackId, at: now });
  }
  // A library smaller than the window still plays: the least recently played track comes back.
  const tiny = catalog.slice(0, 3);
  const h: PlayRecord[] = tiny.map((t, i) => ({ trackId: t.trackId, at: i }));
  const pick = pickTrack(tiny, { mood: sad, strategy: 'match', now: 10, history: h })!;
  assert.equal(pick.track.trackId, tiny[0]!.trackId);
  assert.ok(pick.freshnessRelaxed && /least recent/.test(pick.explanation));
});

test('feedback changes later picks: dislike rules a track out, skips push it down, likes pull it up', () => {
  const catalog = syntheticCatalog(500, 11);
  const request = { mood: sad, strategy: 'match' as const, now: 0, history: [] };
  const first = pickTrack(catalog, request)!;
  const disliked = pickTrack(catalog, { ...request, feedback: new Map([[first.track.trackId, { like: 0, skip: 0, dislike: 1 }]]) })!;
  assert.notEqual(disliked.track.trackId, first.track.trackId);
  const skipped = pickTrack(catalog, { ...request, feedback: new Map([[first.track.trackId, { like: 0, skip: 3, dislike: 0 }]]) })!;
  assert.notEqual(skipped.track.trackId, first.track.trackId);
  // A liked track a little further from the mood wins over a closer unrated one.
  const runnerUp = disliked.track;
  const liked = pickTrack(catalog, { ...request, feedback: new Map([[runnerUp.trackId, { like: 1, skip: 0, dislike: 0 }]]) })!;
  assert.equal(liked.track.trackId, runnerUp.trackId);
  assert.match(liked.explanation, /liked it before/);
});

test('explanations name the real numbers used', () => {
  const track: CatalogTrack = {
    trackId: 'x',
    filePath: '/x.ogg',
    title: 'X',
    artist: null,
    durationS: 200,
    loudnessLufs: -14,
    valence: -0.31,
    arousal: -0.52,
    bpm: 68.4,
    key: 'D',
    mode: 'minor',
    emotion: 'sad',
  };
  const pick = pickTrack([track], { mood: sad, strategy: 'calm', now: 0, history: [] })!;
  const target = targetFor(sad, 'calm');
  assert.match(pick.explanation, /^you seemed sad \(0\.72\) → calm: dark low-arousal track in D minor, 68 BPM/);
  assert.ok(pick.explanation.includes(`target ${target.valence.toFixed(2)}, ${target.arousal.toFixed(2)}`), pick.explanation);
  assert.ok(pick.explanation.includes('track valence -0.31, arousal -0.52'));
  assert.ok(pick.explanation.includes(`distance ${pick.moodDistance.toFixed(2)}`));
  const room = pickTrack([track], { mood: sad, strategy: 'match', now: 0, history: [], subject: 'the room' })!;
  assert.match(room.explanation, /^the room seemed sad/);
});

test('smoothness: no early switch before the minimum dwell, nor on a brief change; a strong sustained one switches', () => {
  const dwell = new DwellTracker({ minDwellMs: 30_000, strongChange: 0.6, sustainMs: 8_000 });
  const happy = { valence: 0.81, arousal: 0.51 };
  dwell.started(sad, 0);
  assert.equal(dwell.shouldSwitchEarly(happy, 1_000), false);
  assert.equal(dwell.shouldSwitchEarly(happy, 20_000), false, 'minimum dwell not reached');
  assert.equal(dwell.shouldSwitchEarly(sad, 21_000), false, 'back to the original mood resets');
  assert.equal(dwell.shouldSwitchEarly(happy, 31_000), false, 'sustained only 0 s');
  assert.equal(dwell.shouldSwitchEarly(happy, 38_000), false, 'sustained 7 s');
  assert.equal(dwell.shouldSwitchEarly(happy, 39_000), true);
  // A small change never switches early.
  dwell.started(sad, 100_000);
  assert.equal(dwell.shouldSwitchEarly({ valence: -0.4, arousal: -0.1 }, 500_000), false);
});

test('smoothness: a lasting change that wobbles below the strong threshold still switches (hysteresis)', () => {
  const dwell = new DwellTracker({ minDwellMs: 5_000, strongChange: 0.6, returnChange: 0.3, sustainMs: 8_000 });
  const neutral = { valence: 0, arousal: 0 };
  dwell.started(neutral, 0);
  // A happy room as sensed: 0.47–0.78 away from the neutral the track was picked for.
  assert.equal(dwell.shouldSwitchEarly({ valence: 0.6, arousal: 0.49 }, 10_000), false, 'the sustain starts');
  assert.equal(dwell.shouldSwitchEarly({ valence: 0.3, arousal: 0.36 }, 14_000), false, 'a dip to 0.47 does not reset it');
  assert.equal(dwell.shouldSwitchEarly({ valence: 0.58, arousal: 0.49 }, 18_000), true, 'sustained 8 s');
  // Coming back near the pick's mood ends the change; a mid-way reading alone never starts one.
  dwell.started(neutral, 100_000);
  assert.equal(dwell.shouldSwitchEarly({ valence: 0.6, arousal: 0.49 }, 110_000), false);
  assert.equal(dwell.shouldSwitchEarly({ valence: 0.1, arousal: 0.1 }, 112_000), false, 'back within 0.3: over');
  assert.equal(dwell.shouldSwitchEarly({ valence: 0.35, arousal: 0.3 }, 120_000), false, '0.46 away does not start a change');
  assert.equal(dwell.shouldSwitchEarly({ valence: 0.6, arousal: 0.49 }, 121_000), false, 'a new change starts its own sustain');
  assert.equal(dwell.shouldSwitchEarly({ valence: 0.6, arousal: 0.49 }, 129_000), true);
});

test('scoring is fast: 10,000 tracks, 200 picks, well under 5 ms each', () => {
  const catalog = syntheticCatalog(10_000, 5);
  const history: PlayRecord[] = [];
  const started = performance.now();
  for (let i = 0; i < 200; i++) {
    const pick = pickTrack(catalog, { mood: sad, strategy: 'lift', now: i * 60_000, history })!;
    history.push({ trackId: pick.track.trackId, at: i * 60_000 });
  }
  // Generous bound (a shared 2-core machine): the benchmark reports the real figure.
  assert.ok((performance.now() - started) / 200 < 25);
});
