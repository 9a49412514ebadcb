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

test('while the analysis cannot keep up, every decoder gets one layer less; all come back once it keeps up', () => {
  const governor = new DecodeGovernor({ raiseHoldMs: 20_000 });
  const a = decoder(3, 1);
  const b = decoder(3, 1);
  governor.add('a', a);
  governor.add('b', b);
  feed(governor, 'a', 15, 4);
  feed(governor, 'b', 15, 10); // 14 of 30: 47 % analysed
  governor.tick(0);
  assert.deepEqual([a.history, b.history], [[0], [0]], 'both lowered alike, whoever was served more');
  assert.equal(governor.lowered, 2);

  // a participant who joins now starts at the lowered layer
  const late = decoder(3, 1);
  governor.add('late', late);
  assert.deepEqual(late.history, [0]);

  // not below the base layer
  feed(governor, 'a', 10, 2);
  feed(governor, 'b', 10, 2);
  feed(governor, 'late', 10, 2);
  governor.tick(3000);
  assert.deepEqual(a.history, [0]);

  // it keeps up now, but a step up waits out the hold after the step down
  for (const id of ['a', 'b', 'late']) feed(governor, id, 10, 10);
  governor.tick(6000);
  assert.deepEqual(a.history, [0]);
  for (const id of ['a', 'b', 'late']) feed(governor, id, 10, 10);
  governor.tick(20_000);
  assert.deepEqual(
    [a.history, b.history, late.history],
    [
      [0, 1],
      [0, 1],
      [0, 1],
    ],
    'back to the analysis layer',
  );
  assert.equal(governor.lowered, 0);

  // never above the layer that carries the analysis rate
  for (const id of ['a', 'b', 'late']) feed(governor, id, 10, 10);
  governor.tick(50_000);
  assert.deepEqual(a.history, [0, 1]);
  assert.deepEqual(governor.stats, { lowered: 1, raised: 1 });
});

test('too few frames say nothing, streams without layers are not governed, and a participant who left is forgotten', () => {
  const governor = new DecodeGovernor();
  const quiet = decoder(3, 1);
  const flat = decoder(1, 0);
  governor.add('quiet', quiet);
  governor.add('flat', flat);
  feed(governor, 'quiet', 3, 0); // a stalled sender or a fresh join
  feed(governor, 'flat', 15, 1); // not governed: its frames do not count
  governor.tick(0);
  assert.deepEqual(quiet.history, []);
  assert.deepEqual(flat.history, []);
  governor.remove('quiet');
  feed(governor, 'quiet', 15, 0);
  governor.tick(3000);
  assert.deepEqual(quiet.history, []);
});
