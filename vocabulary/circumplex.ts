/**
 * Where each FER emotion sits on Russell's circumplex (valence, arousal in [-1, 1]), and the
 * way back from a point to a word. Coordinates follow Russell & Mehrabian's (1977) affect
 * ratings, rounded; neutral is the origin. See server/mood/MOOD.md.
 */
import { FER_LABELS, type FerLabel } from './emotions.js';

export interface MoodPoint {
  valence: number;
  arousal: number;
}

export const CIRCUMPLEX: Readonly<Record<FerLabel, MoodPoint>> = {
  angry: { valence: -0.51, arousal: 0.59 },
  disgust: { valence: -0.6, arousal: 0.35 },
  fear: { valence: -0.64, arousal: 0.6 },
  happy: { valence: 0.81, arousal: 0.51 },
  sad: { valence: -0.63, arousal: -0.27 },
  surprise: { valence: 0.4, arousal: 0.67 },
  neutral: { valence: 0, arousal: 0 },
};

/** The expected point of a probability vector over FER_LABELS. */
export function pointOf(probabilities: readonly number[]): MoodPoint {
  let valence = 0;
  let arousal = 0;
  let total = 0;
  FER_LABELS.forEach((label, i) => {
    const p = probabilities[i] ?? 0;
    valence += p * CIRCUMPLEX[label].valence;
    arousal += p * CIRCUMPLEX[label].arousal;
    total += p;
  });
  return total > 0 ? { valence: valence / total, arousal: arousal / total } : { valence: 0, arousal: 0 };
}

/** The emotion whose circumplex point is nearest. */
export function nearestEmotion(point: MoodPoint): FerLabel {
  let best: FerLabel = 'neutral';
  let bestDistance = Infinity;
  for (const label of FER_LABELS) {
    const d = distance(point, CIRCUMPLEX[label]);
    if (d < bestDistance) {
      bestDistance = d;
      best = label;
    }
  }
  return best;
}

export function distance(a: MoodPoint, b: MoodPoint): number {
  return Math.hypot(a.valence - b.valence, a.arousal - b.arousal);
}

/** Russell quadrant of a point: Q1 +v+a, Q2 −v+a, Q3 −v−a, Q4 +v−a (as the 4Q dataset labels them). */
export function quadrantOf(point: MoodPoint): 'Q1' | 'Q2' | 'Q3' | 'Q4' {
  if (point.arousal >= 0) return point.valence >= 0 ? 'Q1' : 'Q2';
  return point.valence >= 0 ? 'Q4' : 'Q3';
}
