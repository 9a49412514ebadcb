/**
 * The speech model's own classes: RAVDESS's 8 emotions, in the order of its `probs8` output, and how
 * they fold into the project's 7 (vocabulary/emotions.ts), as its `probs7` output does.
 */
import { FER_LABELS, type FerLabel } from '../../vocabulary/emotions.js';

export const RAVDESS_LABELS = ['neutral', 'calm', 'happy', 'sad', 'angry', 'fearful', 'disgust', 'surprised'] as const;
export type RavdessLabel = (typeof RAVDESS_LABELS)[number];
/** RAVDESS → FER: calm and neutral both count as neutral (the graph folds probabilities the same way). */
export const RAVDESS_TO_FER: Record<RavdessLabel, FerLabel> = {
  neutral: 'neutral',
  calm: 'neutral',
  happy: 'happy',
  sad: 'sad',
  angry: 'angry',
  fearful: 'fear',
  disgust: 'disgust',
  surprised: 'surprise',
};

/** 8 probabilities in RAVDESS order → 7 in FER order (each FER class gets the mass of the classes folded into it). */
export function foldToFer(p8: readonly number[]): number[] {
  const p7 = new Array<number>(FER_LABELS.length).fill(0);
  RAVDESS_LABELS.forEach((l, i) => (p7[FER_LABELS.indexOf(RAVDESS_TO_FER[l])]! += p8[i]!));
  return p7;
}
