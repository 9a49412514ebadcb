/**
 * What fusion knows about each modality's readings, measured on dev data (issue #17): the temperature that
 * calibrates its probabilities and, per FER class, how reliable its readings of that class are. Both come
 * from the calibration files beside the models (`models/calibration.ts`), which cross-validation made:
 * the face classifier on FER-2013 PublicTest through the live path, the speech model by actor-grouped CV.
 */
import { type Calibration, FACE_CALIBRATION_FILE, loadCalibration, VOICE_CALIBRATION_FILE } from '../../models/calibration.js';
import type { Modality } from './types.js';

export interface ModalityCalibration {
  /** Applied to the modality's probabilities (p^(1/T)); 1 when the model already applies it (in its graph). */
  temperature: number;
  /** Per FER class (FER_LABELS order), 0..1: the CV F1 of the modality's readings of that class. */
  reliability: readonly number[];
}

/**
 * Per-class F1 from a confusion matrix (rows true, columns predicted). F1 rather than precision or recall
 * alone: a modality that names a class rarely but rightly, or often but wrongly, is not to be trusted with it.
 */
export function f1PerClass(confusion: readonly (readonly number[])[]): number[] {
  return confusion.map((row, c) => {
    const tp = row[c]!;
    const support = row.reduce((a, b) => a + b, 0);
    const predicted = confusion.reduce((a, r) => a + r[c]!, 0);
    return support + predicted > 0 ? (2 * tp) / (support + predicted) : 0;
  });
}

export function modalityCalibration(c: Calibration): ModalityCalibration {
  return { temperature: c.applied_in_graph ? 1 : c.temperature, reliability: f1PerClass(c.window_confusion) };
}

/** The shipped models' calibration, read once from the files beside them. */
export function measuredCalibration(): Record<Modality, ModalityCalibration> {
  return {
    face: modalityCalibration(loadCalibration(FACE_CALIBRATION_FILE)),
    voice: modalityCalibration(loadCalibration(VOICE_CALIBRATION_FILE)),
  };
}
