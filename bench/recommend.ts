/**
 * `npm run bench:recommend`: picks per second and per-pick latency of the recommender on a
 * 10,000-track synthetic library, with a growing play history and rotating moods/strategies
 * (the realistic hot path: one linear scan per pick). Prints figures; last line one JSON object.
 */
import { pickTrack, type PlayRecord, STRATEGIES } from '../server/music/recommender.js';
import { syntheticCatalog } from '../test/helpers/synthetic-catalog.js';

const TRACKS = Number(process.env.BENCH_TRACKS ?? 10_000);
const PICKS = Number(process.env.BENCH_PICKS ?? 5_000);
const catalog = syntheticCatalog(TRACKS, 42);
const moods = [
  { emotion: 'sad', confidence: 0.72, valence: -0.63, arousal: -0.27 },
  { emotion: 'happy', confidence: 0.9, valence: 0.81, arousal: 0.51 },
  { emotion: 'angry', confidence: 0.6, valence: -0.51, arousal: 0.59 },
  { emotion: 'neutral', confidence: 0.4, valence: 0, arousal: 0 },
];
const feedback = new Map(
  catalog.slice(0, 200).map((t, i) => [t.trackId, { like: i % 3 === 0 ? 1 : 0, skip: i % 3 === 1 ? 2 : 0, dislike: i % 3 === 2 ? 1 : 0 }]),
);
const history: PlayRecord[] = [];

// Warm-up so the JIT has compiled the scan before timing.
for (let i = 0; i < 200; i++) pickTrack(catalog, { mood: moods[i % 4]!, strategy: 'match', now: 0, history: [] });

const latencies: number[] = [];
const started = performance.now();
for (let i = 0; i < PICKS; i++) {
  const t0 = performance.now();
  const pick = pickTrack(catalog, { mood: moods[i % moods.length]!, strategy: STRATEGIES[i % 3]!, now: i * 30_000, history, feedback });
  latencies.push(performance.now() - t0);
  history.push({ trackId: pick!.track.trackId, at: i * 30_000 });
  if (history.length > 500) history.shift();
}
const seconds = (performance.now() - started) / 1000;
latencies.sort((a, b) => a - b);
const q = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]!;
const result = {
  tracks: TRACKS,
  picks: PICKS,
  picks_per_s: Math.round(PICKS / seconds),
  p50_ms: Number(q(0.5).toFixed(3)),
  p95_ms: Number(q(0.95).toFixed(3)),
  p99_ms: Number(q(0.99).toFixed(3)),
};
console.log(`recommender: ${TRACKS} tracks, ${PICKS} picks in ${seconds.toFixed(2)} s`);
console.log(`  ${result.picks_per_s} picks/s, p50 ${result.p50_ms} ms, p95 ${result.p95_ms} ms, p99 ${result.p99_ms} ms per pick`);
console.log(JSON.stringify(result));
