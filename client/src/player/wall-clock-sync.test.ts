/**
 * The sync rules alone: when to seek and how hard to nudge the rate, and the program-date ↔
 * media-time mapping over segments and parts. (The loop itself runs in Chromium: test/ui/sync.test.ts.)
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { correctionFor, dateAtMediaTime, MAX_RATE_DELTA, mediaTimeAtDate, SEEK_THRESHOLD_MS } from './wall-clock-sync.js';

test('large errors seek by the error, small ones nudge the rate within 3 %, tiny ones leave it alone', () => {
  assert.deepEqual(correctionFor(SEEK_THRESHOLD_MS + 200), { kind: 'seek', bySeconds: -(SEEK_THRESHOLD_MS + 200) / 1000 });
  assert.deepEqual(correctionFor(-2000), { kind: 'seek', bySeconds: 2 });
  assert.deepEqual(correctionFor(5), { kind: 'rate', rate: 1 });
  const ahead = correctionFor(200);
  const behind = correctionFor(-200);
  assert.deepEqual(ahead, { kind: 'rate', rate: 1 - MAX_RATE_DELTA }, 'ahead: slower, at most 3 %');
  assert.deepEqual(behind, { kind: 'rate', rate: 1 + MAX_RATE_DELTA }, 'behind: faster, at most 3 %');
  const small = correctionFor(20);
  assert.ok(small.kind === 'rate' && small.rate < 1 && small.rate > 1 - MAX_RATE_DELTA, JSON.stringify(small));
});

test('media time and program date map both ways through the span that holds them', () => {
  const spans = [
    { start: 10, duration: 1, programDateTime: 1_000_000 },
    { start: 11, duration: 1, programDateTime: 1_001_000 },
    { start: 12, duration: 0.5, programDateTime: null },
  ];
  assert.equal(dateAtMediaTime(spans, 11.25), 1_001_250);
  assert.equal(mediaTimeAtDate(spans, 1_000_500), 10.5);
  assert.equal(dateAtMediaTime(spans, 12.1), undefined, 'no date known there');
  assert.equal(mediaTimeAtDate(spans, 2_000_000), undefined, 'beyond the playlist');
});
