/**
 * Mood-playlist search over the analysed library: words that name a mood become a point on the
 * valence/arousal plane (the mean when several do), the other words must all appear in a
 * track's title or artist, and the tracks come back nearest that point first. Pure: the route
 * (server/music/plugin.ts, GET /api/music/search) passes the director's catalogue in.
 * The vocabulary is documented in MUSIC.md; emotion words sit where vocabulary/circumplex.ts puts them.
 */
import { CIRCUMPLEX, distance, type MoodPoint } from '../../vocabulary/circumplex.js';
import type { CatalogTrack } from './recommender.js';

/** Mood words → points (valence, arousal), after Russell's circumplex; emotion names as in vocabulary/circumplex.ts. */
export const MOOD_WORDS: Readonly<Record<string, MoodPoint>> = {
  // The seven emotions the face and voice models name, plus common forms of them.
  angry: CIRCUMPLEX.angry,
  anger: CIRCUMPLEX.angry,
  disgust: CIRCUMPLEX.disgust,
  disgusted: CIRCUMPLEX.disgust,
  fear: CIRCUMPLEX.fear,
  afraid: CIRCUMPLEX.fear,
  scared: CIRCUMPLEX.fear,
  happy: CIRCUMPLEX.happy,
  sad: CIRCUMPLEX.sad,
  surprise: CIRCUMPLEX.surprise,
  surprised: CIRCUMPLEX.surprise,
  neutral: CIRCUMPLEX.neutral,
  // Everyday playlist words.
  calm: { valence: 0.3, arousal: -0.6 },
  relaxed: { valence: 0.5, arousal: -0.5 },
  relaxing: { valence: 0.5, arousal: -0.5 },
  peaceful: { valence: 0.5, arousal: -0.7 },
  chill: { valence: 0.4, arousal: -0.4 },
  mellow: { valence: 0.3, arousal: -0.5 },
  sleepy: { valence: 0.1, arousal: -0.8 },
  dreamy: { valence: 0.3, arousal: -0.5 },
  content: { valence: 0.7, arousal: -0.2 },
  focus: { valence: 0.2, arousal: -0.2 },
  energetic: { valence: 0.4, arousal: 0.8 },
  energy: { valence: 0.4, arousal: 0.8 },
  excited: { valence: 0.6, arousal: 0.8 },
  upbeat: { valence: 0.7, arousal: 0.5 },
  uplifting: { valence: 0.7, arousal: 0.4 },
  cheerful: { valence: 0.8, arousal: 0.4 },
  joyful: { valence: 0.85, arousal: 0.5 },
  bright: { valence: 0.7, arousal: 0.3 },
  tense: { valence: -0.4, arousal: 0.6 },
  anxious: { valence: -0.5, arousal: 0.6 },
  stressed: { valence: -0.5, arousal: 0.5 },
  aggressive: { valence: -0.5, arousal: 0.8 },
  intense: { valence: -0.1, arousal: 0.8 },
  dark: { valence: -0.6, arousal: 0.1 },
  gloomy: { valence: -0.6, arousal: -0.3 },
  melancholic: { valence: -0.5, arousal: -0.4 },
  melancholy: { valence: -0.5, arousal: -0.4 },
  depressed: { valence: -0.8, arousal: -0.5 },
  bored: { valence: -0.4, arousal: -0.6 },
};

export interface SearchRequest {
  q?: string;
  /** An explicit point; wins over the point the words name. */
  point?: MoodPoint;
  limit: number;
}

/** A catalogue track as the search shows it: its mood coordinates and musical facts. */
export type SearchHit = Pick<CatalogTrack, 'title' | 'artist' | 'valence' | 'arousal' | 'bpm' | 'key' | 'mode' | 'emotion'> & {
  id: string;
  /** Distance from the target on the plane (null when the search names no mood). */
  distance: number | null;
};

export interface SearchResult {
  target: MoodPoint | null;
  /** The words read as moods and the words matched against titles and artists. */
  moodWords: string[];
  textWords: string[];
  tracks: SearchHit[];
}

export class SearchInputError extends Error {}

/** Lower-case words of the query: letters and digits (any script), nothing else. */
export function queryWords(q: string): string[] {
  return q
    .toLowerCase()
    .normalize('NFKC')
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);
}

export function searchTracks(catalog: readonly CatalogTrack[], request: SearchRequest): SearchResult {
  const words = request.q === undefined ? [] : queryWords(request.q);
  if (request.q !== undefined && words.length === 0 && !request.point) throw new SearchInputError('q has no words to search for');
  if (words.length === 0 && !request.point) throw new SearchInputError('give q (words) or valence and arousal (a point)');
  const moodWords = words.filter((w) => Object.hasOwn(MOOD_WORDS, w));
  const textWords = words.filter((w) => !Object.hasOwn(MOOD_WORDS, w));
  const target = request.point ?? (moodWords.length ? mean(moodWords.map((w) => MOOD_WORDS[w]!)) : null);
  const matching = textWords.length
    ? catalog.filter((t) => {
        const haystack = `${t.title} ${t.artist ?? ''}`.toLowerCase().normalize('NFKC');
        return textWords.every((w) => haystack.includes(w));
      })
    : catalog;
  const hits = matching.map((t): SearchHit => ({
    id: t.trackId,
    title: t.title,
    artist: t.artist,
    valence: t.valence,
    arousal: t.arousal,
    bpm: t.bpm,
    key: t.key,
    mode: t.mode,
    emotion: t.emotion,
    distance: target ? round3(distance(t, target)) : null,
  }));
  hits.sort((a, b) => (a.distance ?? 0) - (b.distance ?? 0) || a.title.localeCompare(b.title));
  return {
    target: target && { valence: round3(target.valence), arousal: round3(target.arousal) },
    moodWords,
    textWords,
    tracks: hits.slice(0, request.limit),
  };
}

function mean(points: MoodPoint[]): MoodPoint {
  return {
    valence: points.reduce((s, p) => s + p.valence, 0) / points.length,
    arousal: points.reduce((s, p) => s + p.arousal, 0) / points.length,
  };
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
