import assert from 'node:assert/strict';
import { test } from 'node:test';

import { analysisTemporalLayer } from './producer-tap.js';

test('the analysis consumer takes the lowest temporal layer that still carries the analysis rate', () => {
  assert.equal(analysisTemporalLayer(undefined, 5), undefined, 'no layers: decode the stream as it comes');
  assert.equal(analysisTemporalLayer('L1T1', 5), undefined);
  assert.equal(analysisTemporalLayer('L1T2', 5), 0, '15 fps → base layer 7.5 fps');
  assert.equal(analysisTemporalLayer('L1T3', 5), 1, '15 fps → 3.75 / 7.5 / 15: the middle layer');
  assert.equal(analysisTemporalLayer('L1T3', 5, 12), 1, 'the capture client: 12 fps → 6 fps');
  assert.equal(analysisTemporalLayer('L1T3', 10), 2, 'a rate only the full stream has');
  assert.equal(analysisTemporalLayer('L3T3', 5), undefined, "spatial layers are not this consumer's business");
});
