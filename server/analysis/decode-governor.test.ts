import assert from 'node:assert/strict';
import { test } from 'node:test';

import { DecodeGovernor, type LayeredDecoder } from './decode-governor.js';

/** A decoder that records the layers it is given (the real one: VideoTap, exercised by bench:ingest and test/media). */
function decoder(layers: number, analysisLayer: number): LayeredDecoder & { history: number[] } {
  const d = {
    temporalLayers: layers,
    temporalLayer: analysisLayer as number | undefined,
    analysisLayer,
    history: [] as number[],
    async setTemporalLayer(layer: number) {
      d.temporalLayer = layer;
      d.history.push(layer);
    },
  };
  return d;
}

function feed(governor: DecodeGovernor, id: string, delivered: number, analysed: number): void {
  for (let i = 0; i < delivered; i++) governor.delivered(id);
  for (let i = 0; i < analysed; i++) governor.analysed(id);
}

test('a participant whose frames the analysis cannot keep up with is decoded a layer lower, and raised again once it keeps up', () => {
  const governor = new DecodeGovernor({ raiseHoldMs: 20_000 });
  const behind = decoder(3, 1);
  const keepingUp = decoder(3, 1);
  governor.add('behind', behind);
  governor.add('keeping-up', keepingUp);
  feed(governor, 'behind', 15, 4); // 27 % analysed
  feed(governor, 'keeping-up', 15, 15);
  governor.tick(0);
  assert.deepEqual(behind.history, [0], 'lowered to the base layer');
  assert.deepEqual(keepingUp.history, [], 'left alone');
  assert.equal(governor.lowered, 1);

  // not below the base layer
  feed(governor, 'behind', 10, 2);
  governor.tick(3000);
  assert.deepEqual(behind.history, [0]);

  // it keeps up now, but a step up waits out the hold after the step down
  feed(governor, 'behind', 10, 10);
  governor.tick(6000);
  assert.deepEqual(behind.history, [0]);
  feed(governor, 'behind', 10, 10);
  governor.tick(20_000);
  assert.deepEqual(behind.history, [0, 1], 'back to the analysis layer');
  assert.equal(governor.lowered, 0);

  // never above the layer that carries the analysis rate
  feed(governor, 'behind', 10, 10);
  governor.tick(50_000);
  assert.deepEqual(behind.history, [0, 1]);
  assert.deepEqual(governor.stats, { lowered: 1, raised: 1 });
});

test('too few frames say nothing, streams without layers are not governed, and a participant who left is forgotten', () => {
  const governor = new DecodeGovernor();
  const quiet = decoder(3, 1);
  const flat = decoder(1, 0);
  governor.add('quiet', quiet);
  governor.add('flat', flat);
  feed(governor, 'quiet', 3, 0); // a stalled sender or a fresh join
  feed(governor, 'flat', 15, 1);
  governor.tick(0);
  assert.deepEqual(quiet.history, []);
  assert.deepEqual(flat.history, []);
  governor.remove('quiet');
  feed(governor, 'quiet', 15, 0);
  governor.tick(3000);
  assert.deepEqual(quiet.history, []);
});
