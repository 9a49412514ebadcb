/**
 * Decode + measure one file: what the importer stores and what the valence/arousal model reads.
 * Long tracks are measured on their middle ANALYSIS_WINDOW_S (the part previews and the 4Q
 * training clips come from); loudness and the audio hash always cover the whole decoded file.
 * The valence/arousal model reads `moodWindows`: the same features measured on consecutive
 * MOOD_WINDOW_S pieces of that section. It was trained on such windows and averages its
 * estimates over them, because 100 labelled clips become 500 training examples that way
 * (models/music/MODEL_CARD.md).
 */
import { decodeAudio, type DecodedAudio } from './decode.js';
import { computeFeatures, type TrackFeatures } from './features.js';

export const ANALYSIS_WINDOW_S = 120;
/** Length of the pieces the valence/arousal model reads. */
export const MOOD_WINDOW_S = 10;
/** The mood windows cover the middle of the analysed section, at most this long: 6 windows of a long
 * track add half again to its analysis time, where 12 would double it (previews and the 4Q clips are 30 s). */
export const MOOD_SECTION_S = 60;

export interface AnalysedAudio {
  decoded: Omit<DecodedAudio, 'samples'>;
  features: TrackFeatures;
  /** feature vectors of the section's MOOD_WINDOW_S pieces, in order (at least one) */
  moodWindows: Record<string, number>[];
}

export interface AnalyseOptions {
  /** step between mood windows (default MOOD_WINDOW_S: back to back; training exports use 5 s) */
  moodWindowHopS?: number;
  /** length of a mood window (default MOOD_WINDOW_S; other lengths only for training experiments) */
  moodWindowS?: number;
}

export async function analyseFile(file: string, options: AnalyseOptions = {}): Promise<AnalysedAudio> {
  const decoded = await decodeAudio(file);
  const window = ANALYSIS_WINDOW_S * decoded.sampleRate;
  const start = Math.max(0, Math.floor((decoded.samples.length - window) / 2));
  const part = decoded.samples.subarray(start, start + window);
  const features = computeFeatures(part, decoded.sampleRate, decoded.loudnessLufs);
  const moodLength = Math.min(part.length, MOOD_SECTION_S * decoded.sampleRate);
  const mood = part.subarray(Math.floor((part.length - moodLength) / 2)).subarray(0, moodLength);
  const windowS = options.moodWindowS ?? MOOD_WINDOW_S;
  const moodWindows = moodWindowRanges(mood.length, decoded.sampleRate, options.moodWindowHopS ?? windowS, windowS).map(([from, to]) =>
    from === 0 && to === part.length
      ? features.vector
      : computeFeatures(mood.subarray(from, to), decoded.sampleRate, decoded.loudnessLufs).vector,
  );
  const { samples: _samples, ...rest } = decoded;
  return { decoded: rest, features, moodWindows };
}

/**
 * [from, to) sample ranges of the mood windows: MOOD_WINDOW_S long every `hopS`, the last one allowed
 * to end up to 1 s short (a 29.9 s clip still gets its third window); a section shorter than
 * that is one window.
 */
export function moodWindowRanges(length: number, sampleRate: number, hopS: number, windowS = MOOD_WINDOW_S): [number, number][] {
  const size = Math.round(windowS * sampleRate);
  const hop = Math.max(1, Math.round(hopS * sampleRate));
  const ranges: [number, number][] = [];
  for (let from = 0; from + size <= length + sampleRate; from += hop) ranges.push([from, Math.min(from + size, length)]);
  return ranges.length > 0 ? ranges : [[0, length]];
}
