/**
 * node --import tsx models/eval/calibrate-face.ts [DIR] [--classifier NAME] [--folds 5] [--limit N]
 *
 * Fits the face classifier's temperature on the FER-2013 validation split (DIR, default ../shared/data/fer:
 * PublicTest, which MANIFEST.md names for model selection and thresholds) through the LIVE path: each image on
 * a 320×240 canvas → BlazeFace → aligned crop → classifier, as `eval:face --pipeline`. Images byte-identical
 * to a FER training image (`dup_in_fer_train=1`, which the pretrained net has seen) are left out; so are
 * images where no face is found. ECE before / after is cross-fitted: each of `--folds` folds is scored with
 * the temperature fit on the others. The final temperature (fit on all) and the confusion matrix of the
 * readings (fusion's per-class reliability) go to models/face/<classifier>.calibration.json.
 */
import fs from 'node:fs';
import path from 'node:path';

import { FER_LABELS } from '../../vocabulary/emotions.js';
import { argmax } from '../argmax.js';
import { fitTemperature, temperatureScale } from '../calibration.js';
import { faceOnCanvas, readGray } from '../face/decode.js';
import { type ClassifierName, CLASSIFIERS, DEFAULT_CLASSIFIER, FaceAnalyzer } from '../face/face-analyzer.js';
import { computeMetrics, expectedCalibrationError, fixedSubset, parseArgs, parseCsv, round } from './metrics.js';

async function main() {
  const { positional, flags } = parseArgs(process.argv.slice(2));
  const dir = path.resolve(positional[0] ?? '../shared/data/fer');
  const classifier = (typeof flags.classifier === 'string' ? flags.classifier : DEFAULT_CLASSIFIER) as ClassifierName;
  if (!(classifier in CLASSIFIERS)) throw new Error(`--classifier must be one of ${Object.keys(CLASSIFIERS).join(', ')}`);
  const folds = Number(flags.folds ?? 5);
  const csv = path.join(dir, 'labels.csv');
  if (!fs.existsSync(csv)) throw new Error(`${csv} not found`);
  const rows = fixedSubset(
    parseCsv(fs.readFileSync(csv, 'utf8')).filter((r) => r.dup_in_fer_train !== '1'),
    flags.limit ? Number(flags.limit) : 0,
    (r) => r.file!,
  );
  const fa = await FaceAnalyzer.create({ classifier, maxWaitMs: 0 });
  const probs: number[][] = [];
  const truth: number[] = [];
  let missed = 0;
  for (const [i, r] of rows.entries()) {
    const res = await fa.analyze(faceOnCanvas(readGray(path.join(dir, r.file!)), { participantId: `p${i}` }));
    if (res.status !== 'ok') {
      missed++;
      continue;
    }
    probs.push(res.probabilities);
    truth.push(FER_LABELS.indexOf(r.label as never));
  }
  fa.close();
  // cross-fitted: item i is in fold i % folds (rows are in file order, classes interleave by id)
  const calibrated: number[][] = new Array(probs.length);
  const temps: number[] = [];
  for (let f = 0; f < folds; f++) {
    const tr = probs.map((_, i) => i).filter((i) => i % folds !== f);
    const T = fitTemperature(
      tr.map((i) => probs[i]!),
      tr.map((i) => truth[i]!),
    );
    temps.push(round(T));
    probs.forEach((p, i) => i % folds === f && (calibrated[i] = temperatureScale(p, T)));
  }
  const temperature = fitTemperature(probs, truth);
  const m = computeMetrics(FER_LABELS, truth, probs.map(argmax));
  const out = {
    model: `${classifier}`,
    method: 'temperature on the flip-averaged probabilities (p^(1/T) renormalised), applied by server/mood/fusion.ts',
    temperature: round(temperature),
    applied_in_graph: false,
    how: `FER-2013 PublicTest (the validation split), live path (canvas → BlazeFace → crop), without dup_in_fer_train images; ${folds}-fold cross-fitted ECE; ${probs.length} faces, ${missed} without a detected face left out`,
    n: probs.length,
    accuracy: m.accuracy,
    macro_f1: m.macro_f1,
    fold_temperatures: temps,
    ece_before: expectedCalibrationError(probs, truth),
    ece_after: expectedCalibrationError(calibrated, truth),
    labels: [...FER_LABELS],
    window_confusion: m.confusion,
  };
  const file = path.resolve(`models/face/${classifier}.calibration.json`);
  fs.writeFileSync(file, JSON.stringify(out, null, 1) + '\n');
  console.log(`wrote ${file}`);
  console.log(JSON.stringify({ ...out, window_confusion: undefined }));
}

main().catch((e) => {
  console.error(`calibrate-face failed: ${(e as Error).message}`);
  process.exit(1);
});
