/** One colour per FER emotion, for every chart that shows them (legible on white, distinct in greyscale order). */
import type { FerLabel } from '../../../vocabulary/emotions.js';

export const EMOTION_COLOURS: Record<FerLabel, string> = {
  angry: '#c62828',
  disgust: '#6d4c41',
  fear: '#7b1fa2',
  happy: '#f9a825',
  sad: '#1565c0',
  surprise: '#00897b',
  neutral: '#9e9e9e',
};
