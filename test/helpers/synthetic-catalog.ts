/** A reproducible synthetic library for recommender tests and bench/recommend.ts (no files behind it). */
import type { CatalogTrack } from '../../server/music/recommender.js';

const KEYS = ['C', 'C#', 'D', 'D#', 'E', 'F', 'F#', 'G', 'G#', 'A', 'A#', 'B'];

export function syntheticCatalog(n: number, seed = 1): CatalogTrack[] {
  let state = seed >>> 0 || 1;
  const rand = () => {
    // xorshift32: deterministic, good enough to spread points.
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 4294967296;
  };
  return Array.from({ length: n }, (_, i) => {
    const valence = rand() * 2 - 1;
    const arousal = rand() * 2 - 1;
    return {
      trackId: `t${i}`,
      filePath: `/synthetic/t${i}.ogg`,
      title: `Track ${i}`,
      artist: `Artist ${i % 97}`,
      durationS: 120 + rand() * 180,
      loudnessLufs: -20 + rand() * 10,
      valence,
      arousal,
      bpm: 115 + 45 * arousal + (rand() - 0.5) * 20,
      key: KEYS[Math.floor(rand() * 12)]!,
      mode: rand() < 0.5 ? 'major' : 'minor',
      emotion: arousal >= 0 ? (valence >= 0 ? 'happy' : 'tense') : valence >= 0 ? 'calm' : 'sad',
    };
  });
}
