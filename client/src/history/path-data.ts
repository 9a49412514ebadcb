/** The history's valence/arousal path → the path chart's columns. */
import type uPlot from 'uplot';

import type { HistoryReply } from '../../../vocabulary/history.js';

/** Readings further apart than this belong to different sessions and are not joined by a line. */
export const GAP_S = 10 * 60;

/** Path points → uPlot columns, with a null point in every long gap so sessions are not joined. */
export function pathData(path: HistoryReply['path']): uPlot.AlignedData {
  const x: number[] = [];
  const valence: (number | null)[] = [];
  const arousal: (number | null)[] = [];
  let previous: number | undefined;
  for (const p of path) {
    const t = new Date(p.at).getTime() / 1000;
    if (previous !== undefined && t - previous > GAP_S) {
      x.push(previous + 60);
      valence.push(null);
      arousal.push(null);
    }
    x.push(t);
    valence.push(p.valence);
    arousal.push(p.arousal);
    previous = t;
  }
  return [x, valence, arousal];
}
