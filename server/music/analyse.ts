/**
 * Decode + measure one file: what the importer stores and what the valence/arousal model reads.
 * Long tracks are measured on their middle ANALYSIS_WINDOW_S (the part previews and the 4Q
 * training clips come from); loudness and the audio hash always cover the whole decoded file.
 */
import { decodeAudio, type DecodedAudio } from './decode.js';
import { computeFeatures, type TrackFeatures } from './features.js';

export const ANALYSIS_WINDOW_S = 120;

export interface AnalysedAudio {
  decoded: Omit<DecodedAudio, 'samples'>;
  features: TrackFeatures;
}

export async function analyseFile(file: string): Promise<AnalysedAudio> {
  const decoded = await decodeAudio(file);
  const window = ANALYSIS_WINDOW_S * decoded.sampleRate;
  const start = Math.max(0, Math.floor((decoded.samples.length - window) / 2));
  const part = decoded.samples.subarray(start, start + window);
  const features = computeFeatures(part, decoded.sampleRate, decoded.loudnessLufs);
  const { samples: _samples, ...rest } = decoded;
  return { decoded: rest, features };
}
