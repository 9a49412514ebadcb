/**
 * Mood readings → the emotion-flow chart's columns. Each modality's 7-class probabilities are
 * placed on the circumplex the server uses (one table of coordinates for both sides).
 */
import type uPlot from 'uplot';

import { pointOf } from '../../../vocabulary/circumplex.js';
import type { ParticipantMoodView } from '../../../vocabulary/live-events.js';

/**
 * Series of the chart, in data order after the time axis. "mood" is what the music follows (the
 * override's emotion while one is pinned); "sensed" is the fusion of face and voice, which goes
 * on under an override, so the chart shows both.
 */
export const FLOW_SERIES = ['mood valence', 'sensed valence', 'face valence', 'voice valence', 'confidence'] as const;

/** uPlot's columns: [seconds, ...FLOW_SERIES]; null where a reading lacks that part (no face seen, no voice heard). */
export function flowData(moods: readonly ParticipantMoodView[]): uPlot.AlignedData {
  const columns: (number | null)[][] = FLOW_SERIES.map(() => []);
  const x: number[] = [];
  const valenceOf = (p: number[] | null | undefined) => (p && p.length === 7 ? round(pointOf(p).valence) : null);
  for (const m of moods) {
    x.push(m.t / 1000);
    const row = [m.valence, valenceOf(m.probabilities), valenceOf(m.face), valenceOf(m.voice), m.confidence];
    row.forEach((v, i) => columns[i]!.push(v));
  }
  return [x, ...columns];
}

const round = (x: number) => Math.round(x * 1000) / 1000;
