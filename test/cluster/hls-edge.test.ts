/**
 * The LL-HLS edge on its own, with an upstream that counts its calls: request collapsing (one
 * upstream request per part, whatever the number of listeners), the short cache, the listener
 * link carried into every URI, and the sequence numbers kept increasing when the room moves to
 * another owner (new file names, numbering from 0).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { HlsEdge, StreamContinuity, type UpstreamResponse } from '../../server/cluster/hls-edge.js';

function playlist(id: string, first: number, segments: number, partsOfOpen: number, discontinuitySequence = 0): string {
  const lines = [
    '#EXTM3U',
    '#EXT-X-VERSION:6',
    '#EXT-X-TARGETDURATION:1',
    `#EXT-X-MEDIA-SEQUENCE:${first}`,
    `#EXT-X-DISCONTINUITY-SEQUENCE:${discontinuitySequence}`,
    `#EXT-X-MAP:URI="${id}-init0.mp4"`,
  ];
  for (let s = first; s < first + segments; s++) {
    for (let p = 0; p < 3; p++) lines.push(`#EXT-X-PART:DURATION=0.32500,URI="${id}-${s}.${p}.m4s",INDEPENDENT=YES`);
    lines.push('#EXTINF:0.97500,', `${id}-${s}.m4s`);
  }
  const open = first + segments;
  for (let p = 0; p < partsOfOpen; p++) lines.push(`#EXT-X-PART:DURATION=0.32500,URI="${id}-${open}.${p}.m4s",INDEPENDENT=YES`);
  lines.push(`#EXT-X-PRELOAD-HINT:TYPE=PART,URI="${id}-${open}.${partsOfOpen}.m4s"`);
  return lines.join('\n') + '\n';
}

const ok = (body: string): UpstreamResponse => ({ status: 200, headers: { 'content-type': 'audio/mp4' }, body: Buffer.from(body) });

test('a thousand listeners asking for one part at once make one upstream request; later ones hit the cache', async () => {
  const calls: string[] = [];
  const edge = new HlsEdge(async (_room, path) => {
    calls.push(path);
    await new Promise((r) => setTimeout(r, 50)); // the owner blocks until the part exists
    return ok(`bytes of ${path}`);
  });
  const answers = await Promise.all(Array.from({ length: 1000 }, () => edge.file('room', 'abcdef01-7.2.m4s')));
  assert.equal(calls.length, 1);
  assert.ok(answers.every((a) => a.status === 200 && a.body.toString() === 'bytes of abcdef01-7.2.m4s'));
  await edge.file('room', 'abcdef01-7.2.m4s');
  assert.equal(calls.length, 1, 'an immutable part is served from the cache');
  await edge.file('room', 'abcdef01-7.3.m4s');
  assert.equal(calls.length, 2, 'another part is another request');
  assert.equal(edge.stats.upstream.part, 2);
  assert.equal(edge.stats.served.part, 1002);
});

test('blocking reloads collapse per (msn, part); an error is not cached', async () => {
  const calls: string[] = [];
  let fail = true;
  const edge = new HlsEdge(async (_room, path) => {
    calls.push(path);
    if (fail) return { status: 503, headers: {}, body: Buffer.from('{}') };
    return ok(playlist('abcdef01', 3, 3, 1));
  });
  const first = await edge.playlist('room', { msn: 6, part: 1 });
  assert.equal(first.status, 503);
  fail = false;
  const answers = await Promise.all(Array.from({ length: 200 }, () => edge.playlist('room', { msn: 6, part: 1 })));
  assert.ok(answers.every((a) => a.status === 200));
  assert.deepEqual(calls.filter((c) => c === 'live.m3u8?_HLS_msn=6&_HLS_part=1').length, 2, 'one after the failure, for all 200 listeners');
});

test('the listener link is carried into every URI of the playlist', async () => {
  const edge = new HlsEdge(async () => ok(playlist('abcdef01', 0, 3, 1)));
  const text = (await edge.playlist('room', undefined, 'lt=secret')).body.toString();
  const uris = [...text.matchAll(/URI="([^"]+)"/g)].map((m) => m[1]!).concat(text.split('\n').filter((l) => l && !l.startsWith('#')));
  assert.ok(uris.length > 10);
  assert.ok(
    uris.every((u) => u.endsWith('?lt=secret')),
    uris.join(' '),
  );
});

test("continuity: a new owner's stream continues the numbering, one discontinuity later", () => {
  const c = new StreamContinuity();
  // The old stream: segments 10-12 complete, 13 being written with two parts listed.
  assert.equal(c.map(playlist('aaaaaaaa', 10, 3, 2)), playlist('aaaaaaaa', 10, 3, 2), 'unchanged while the stream is the same');
  // The room moved: the new owner numbers from 0 with new names.
  const mapped = c.map(playlist('bbbbbbbb', 0, 2, 0));
  assert.match(mapped, /^#EXT-X-MEDIA-SEQUENCE:14$/m, 'follows segment 13, which players hold part of');
  assert.match(mapped, /^#EXT-X-DISCONTINUITY-SEQUENCE:1$/m);
  assert.equal(c.toUpstream(15), 1, "blocking reloads are asked in the owner's numbers");
  // Later playlists of the same new stream keep the offset.
  assert.match(c.map(playlist('bbbbbbbb', 4, 3, 1)), /^#EXT-X-MEDIA-SEQUENCE:18$/m);
});

test('continuity: a player waiting for the first part of the next segment gets the new stream under that number', () => {
  const c = new StreamContinuity();
  c.map(playlist('aaaaaaaa', 10, 4, 0)); // 10-13 complete; the hint names 14.0
  assert.match(c.map(playlist('cccccccc', 0, 3, 1)), /^#EXT-X-MEDIA-SEQUENCE:14$/m);
});
