import assert from 'node:assert/strict';
import { test } from 'node:test';

import { GAP_S, pathData } from './path-data.js';

test('pathData: per-minute points in seconds; a gap between sessions is broken with a null', () => {
  const at = (s: number) => new Date(s * 1000).toISOString();
  const [x, valence, arousal] = pathData([
    { at: at(0), valence: 0.1, arousal: 0.2 },
    { at: at(60), valence: 0.3, arousal: 0.4 },
    { at: at(60 + GAP_S + 60), valence: -0.5, arousal: -0.6 },
  ]);
  assert.deepEqual(x, [0, 60, 120, 60 + GAP_S + 60]);
  assert.deepEqual(valence, [0.1, 0.3, null, -0.5]);
  assert.deepEqual(arousal, [0.2, 0.4, null, -0.6]);
  assert.deepEqual(pathData([]), [[], [], []]);
});
