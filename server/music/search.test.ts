/** Mood-playlist search: mood words become a point, other words match title/artist, results nearest first. */
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { syntheticCatalog } from '../../test/helpers/synthetic-catalog.js';
import { MOOD_WORDS, queryWords, SearchInputError, searchTracks } from './search.js';

const catalog = syntheticCatalog(300, 7);
const dist = (t: { valence: number; arousal: number }, p: { valence: number; arousal: number }) =>
  Math.hypot(t.valence - p.valence, t.arousal - p.arousal);

test('a mood word searches near its point, nearest first', () => {
  const result = searchTracks(catalog, { q: 'Calm', limit: 20 });
  assert.deepEqual(result.target, MOOD_WORDS.calm);
  assert.deepEqual(result.moodWords, ['calm']);
  assert.equal(result.tracks.length, 20);
  const distances = result.tracks.map((t) => t.distance!);
  assert.deepEqual(
    distances,
    [...distances].sort((a, b) => a - b),
  );
  // Really the nearest 20 of the whole library.
  const twentieth = [...catalog].map((t) => dist(t, MOOD_WORDS.calm!)).sort((a, b) => a - b)[19]!;
  assert.ok(Math.abs(distances[19]! - twentieth) < 0.001);
  assert.ok(
    result.tracks.every((t) => t.arousal < 0),
    'calm tracks are low-arousal',
  );
});

test('several mood words average; an explicit point wins; other words filter title and artist', () => {
  const mixed = searchTracks(catalog, { q: 'happy sad', limit: 5 });
  assert.ok(Math.abs(mixed.target!.valence - (MOOD_WORDS.happy!.valence + MOOD_WORDS.sad!.valence) / 2) < 0.001);
  const point = searchTracks(catalog, { q: 'calm', point: { valence: 0.9, arousal: 0.9 }, limit: 3 });
  assert.deepEqual(point.target, { valence: 0.9, arousal: 0.9 });
  assert.ok(point.tracks.every((t) => t.valence > 0 && t.arousal > 0));
  const text = searchTracks(catalog, { q: 'energetic artist 5', limit: 100 });
  assert.deepEqual(text.textWords, ['artist', '5']);
  assert.ok(text.tracks.length > 0 && text.tracks.every((t) => `${t.title} ${t.artist}`.toLowerCase().includes('5')));
  const onlyText = searchTracks(catalog, { q: 'Track 12', limit: 100 });
  assert.equal(onlyText.target, null);
  assert.ok(onlyText.tracks.length > 0 && onlyText.tracks.every((t) => t.distance === null && `${t.title} ${t.artist}`.includes('12')));
  const titles = onlyText.tracks.map((t) => t.title);
  assert.deepEqual(
    titles,
    [...titles].sort((a, b) => a.localeCompare(b)),
    'without a mood, by title',
  );
  assert.deepEqual(searchTracks(catalog, { q: 'nothing-like-this', limit: 5 }).tracks, []);
});

test('bad input is refused with a reason', () => {
  assert.throws(() => searchTracks(catalog, { q: '?!  ', limit: 5 }), SearchInputError);
  assert.throws(() => searchTracks(catalog, { limit: 5 }), /give q/);
  assert.deepEqual(queryWords('Über-Calm, rainy!'), ['über', 'calm', 'rainy']);
});
