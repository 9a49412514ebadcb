/**
 * Real FER-2013 faces for browser runs of the whole pipeline (test/e2e, bench/e2e.ts).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';

import { ffmpegPath } from '../../media/ffmpeg-path.js';
import { type ClassifierName, DEFAULT_CLASSIFIER, FaceAnalyzer } from '../../models/face/face-analyzer.js';
import { ferImages } from './test-media.js';

/**
 * FER-2013 labels are noisy and no classifier agrees with all of them (see the model card for the
 * shipped model's accuracy). This test checks the pipeline, not the classifier: it uses faces of
 * each class that the shipped model, run on the still image, also reads as that class.
 */
export async function facesTheModelReads(
  emotion: string,
  count: number,
  classifier: ClassifierName = DEFAULT_CLASSIFIER,
): Promise<string[]> {
  const analyzer = await FaceAnalyzer.create({ classifier });
  const chosen: string[] = [];
  try {
    for (const image of ferImages(emotion, 60)) {
      const rgb = execFileSync(ffmpegPath(), [
        '-loglevel',
        'error',
        '-i',
        image,
        '-vf',
        'scale=170:170:flags=bicubic,pad=320:240:(ow-iw)/2:(oh-ih)/2:color=0x808080,format=rgb24',
        '-f',
        'rawvideo',
        'pipe:1',
      ]);
      const result = await analyzer.analyze({
        participantId: 'selection',
        width: 320,
        height: 240,
        format: 'rgb24',
        data: new Uint8Array(rgb),
        decodedAt: 0,
        seq: 0,
      });
      if (result.status === 'ok' && result.label === emotion) chosen.push(image);
      if (chosen.length === count) break;
    }
  } finally {
    analyzer.close();
  }
  assert.equal(chosen.length, count, `only ${chosen.length} ${emotion} faces read as ${emotion}`);
  return chosen;
}
