import assert from 'node:assert/strict';
import { test } from 'node:test';

import { MOOD_WINDOW_S, moodWindowRanges } from './analyse.js';

test('mood windows: 10 s pieces back to back, the last may end 1 s short, short sections are one window', () => {
  const sr = 100;
  assert.equal(MOOD_WINDOW_S, 10);
  assert.deepEqual(moodWindowRanges(30 * sr, sr, 10), [
    [0, 1000],
    [1000, 2000],
    [2000, 3000],
  ]);
  // a 29.5 s preview still gets its third window (9.5 s long)
  assert.deepEqual(moodWindowRanges(2950, sr, 10).at(-1), [2000, 2950]);
  assert.equal(moodWindowRanges(2850, sr, 10).length, 2);
  // training exports: 5 s hop, overlapping
  assert.deepEqual(
    moodWindowRanges(30 * sr, sr, 5).map(([a]) => a),
    [0, 500, 1000, 1500, 2000],
  );
  assert.deepEqual(moodWindowRanges(5 * sr, sr, 10), [[0, 500]]);
  assert.deepEqual(moodWindowRanges(0, sr, 10), [[0, 0]]);
  // window-length experiments (MUSIC_WINDOW_S=5 MUSIC_HOP_S=2.5 in the training export)
  assert.deepEqual(moodWindowRanges(30 * sr, sr, 2.5, 5).length, 11);
  assert.deepEqual(moodWindowRanges(30 * sr, sr, 2.5, 5).at(-1), [2500, 3000]);
});
