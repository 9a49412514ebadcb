/**
 * What mood fusion takes in and gives out. The face and voice models (models/) produce one
 * ModalityReading per analysed frame or speech window; `null` means the modality reported
 * nothing usable (no face in view, camera off, silence according to VAD).
 */
import type { MoodPoint } from '../../vocabulary/circumplex.js';
import type { FerLabel } from '../../vocabulary/emotions.js';

export type Modality = 'face' | 'voice';

export interface ModalityReading {
  /** Probabilities over FER_LABELS (length 7); normalised by fusion if they do not sum to 1. */
  probabilities: readonly number[];
  /** The model's confidence in this reading, 0..1. */
  confidence: number;
}

export interface FusionWeights {
  face: number;
  voice: number;
}

export interface FusedMood extends MoodPoint {
  emotion: FerLabel;
  /** 0..1: how much to trust this mood (evidence strength × agreement; decays while nothing is seen or heard). */
  confidence: number;
  /**
   * "Not sure yet": the UI should say so instead of naming `emotion`. 'conflict': face and voice confidently
   * name different emotions; 'low-confidence': the current emotion's calibrated probability is below
   * `unsureBelow` (0.4), or the confidence below `minConfidence` (no evidence yet, or it faded).
   */
  unsure: boolean;
  unsureReason: 'conflict' | 'low-confidence' | null;
  /** Smoothed probabilities over FER_LABELS. */
  probabilities: number[];
  /** The weights the latest evidence was fused with (always sum to 1). */
  weights: FusionWeights;
  /** True when neither modality had usable evidence and the last mood is being held. */
  held: boolean;
  /** How the latest evidence was combined: agreement, a contradiction led by one modality, a tie that kept the previous mood, or a user's mood override. */
  rule: 'fused' | 'single' | 'face-led' | 'voice-led' | 'tie-held' | 'no-evidence' | 'override';
  /** Milliseconds (injected clock) of this reading. */
  t: number;
}

/** A mood the user pinned for a while (PUT /api/me/settings moodOverride): it replaces what the models sense. */
export interface MoodOverride {
  emotion: FerLabel;
  /** Epoch ms when it runs out. */
  until: number;
}
