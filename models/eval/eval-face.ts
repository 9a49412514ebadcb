/**
 * npm run eval:face -- [DIR] [--limit N] [--classifier fer_cnn48|mini_xception_64] [--pipeline]
 *
 * DIR is laid out like ../shared/data/fer: one folder per class (angry, disgust, fear, happy, neutral,
 * sad, surprise), optionally a labels.csv (file,label[,dup_in_fer_train]). Default DIR: ../shared/data/fer.
 * Default mode classifies each image as a face crop (FER-2013 images are aligned 48×48 face crops).
 * --pipeline runs the whole live path instead: the image is upscaled onto a 320×240 camera-like canvas,
 * then BlazeFace → aligned crop → classifier; frames where no face is found count as wrong.
 * --limit N takes a fixed, deterministic subset. Prints a table; the last line is one JSON object.
 */
import fs from 'node:fs';
import path from 'node:path';

import { FER_LABELS } from '../../vocabulary/emotions.js';
import { loadCalibration, temperatureScale } from '../calibration.js';
import { faceOnCanvas, readGray } from '../face/decode.js';
import { type ClassifierName, CLASSIFIERS, DEFAULT_CLASSIFIER, FaceAnalyzer } from '../face/face-analyzer.js';
import { computeMetrics, expectedCalibrationError, fixedSubset, formatTable, parseArgs, parseCsv, round } from './metrics.js';

interface Item {
  file: string;
  label: number;
  dupInTrain: boolean;
}

function listItems(dir: string): Item[] {
  const csv = path.join(dir, 'labels.csv');
  if (fs.existsSync(csv)) {
    return parseCsv(fs.readFileSync(csv, 'utf8')).map((r) => {
      const label = FER_LABELS.indexOf((r.label ?? '').trim().toLowerCase() as never);
      if (label < 0) throw new Error(`${csv}: unknown label "${r.label}" for ${r.file}`);
      return { file: path.join(dir, r.file!), label, dupInTrain: r.dup_in_fer_train === '1' };
    });
  }
  const items: Item[] = [];
  for (const ent of fs.readdirSync(dir, { withFileTypes: true })) {
    if (!ent.isDirectory()) continue;
    // Kaggle folder names are the FER label names; their alphabetical order is not the FER index order
    const label = FER_LABELS.indexOf(ent.name.toLowerCase() as never);
    if (label < 0) continue;
    for (const f of fs.readdirSync(path.join(dir, ent.name))) {
      if (/\.(jpe?g|pgm)$/i.test(f)) items.push({ file: path.join(dir, ent.name, f), label, dupInTrain: false });
    }
  }
  if (items.length === 0) throw new Error(`${dir}: no labels.csv and no class folders (${FER_LABELS.join(', ')}) with images`);
  return items;
}

async function main() {
  const { positional, flags } = parseArgs(process.argv.slice(2));
  const dir = path.resolve(positional[0] ?? '../shared/data/fer');
  const limit = flags.limit ? Number(flags.limit) : 0;
  const classifier = (typeof flags.classifier === 'string' ? flags.classifier : DEFAULT_CLASSIFIER) as ClassifierName;
  if (!(classifier in CLASSIFIERS)) throw new Error(`--classifier must be one of ${Object.keys(CLASSIFIERS).join(', ')}`);
  const pipeline = flags.pipeline === true;
  const items = fixedSubset(listItems(dir), limit, (i) => i.file);
  const fa = await FaceAnalyzer.create({ classifier, maxWaitMs: 0 });
  const t0 = performance.now();
  const pred: number[] = [];
  const probs: (number[] | undefined)[] = [];
  let detected = 0;
  if (!pipeline) {
    for (let i = 0; i < items.length; i += 256) {
      const part = items.slice(i, i + 256);
      const res = await fa.classifyCrops(part.map((it) => readGray(it.file)));
      res.forEach((r) => {
        pred.push(FER_LABELS.indexOf(r.label));
        probs.push(r.probabilities);
      });
    }
  } else {
    for (const [i, it] of items.entries()) {
      const r = await fa.analyze(faceOnCanvas(readGray(it.file), { participantId: `p${i}` }));
      if (r.status === 'ok') {
        detected++;
        pred.push(FER_LABELS.indexOf(r.label));
        probs.push(r.probabilities);
      } else {
        pred.push(-1);
        probs.push(undefined);
      }
    }
  }
  const ms = performance.now() - t0;
  fa.close();
  const truth = items.map((i) => i.label);
  // a missed face is wrong: map it to a class other than the truth for the confusion matrix? No:
  // count it in accuracy as wrong and list misses separately; the matrix only holds detected faces.
  const idx = pred.map((p, i) => i).filter((i) => pred[i]! >= 0);
  const all = computeMetrics(
    FER_LABELS,
    idx.map((i) => truth[i]!),
    idx.map((i) => pred[i]!),
  );
  const accuracy = round(idx.filter((i) => pred[i] === truth[i]).length / Math.max(1, items.length));
  const nd = idx.filter((i) => !items[i]!.dupInTrain);
  const clean = computeMetrics(
    FER_LABELS,
    nd.map((i) => truth[i]!),
    nd.map((i) => pred[i]!),
  );
  const dups = items.filter((i) => i.dupInTrain).length;
  // Calibration (10-bin ECE) of the faces that got a reading: raw model output, and after the temperature that
  // fusion applies (models/face/<classifier>.calibration.json, fit by models/eval/calibrate-face.ts) when there is one.
  const calFile = path.resolve(`models/face/${classifier}.calibration.json`);
  const temperature = fs.existsSync(calFile) ? loadCalibration(calFile).temperature : undefined;
  const ece = expectedCalibrationError(
    idx.map((i) => probs[i]!),
    idx.map((i) => truth[i]!),
  );
  const eceCalibrated =
    temperature === undefined
      ? undefined
      : expectedCalibrationError(
          idx.map((i) => temperatureScale(probs[i]!, temperature)),
          idx.map((i) => truth[i]!),
        );
  console.log(
    `face expression eval: ${dir} (${items.length} images${limit ? `, fixed subset --limit ${limit}` : ''}), classifier ${classifier}, mode ${pipeline ? 'pipeline (canvas → BlazeFace → crop → classifier)' : 'crops'}`,
  );
  console.log(formatTable('all images', all));
  if (dups > 0) console.log(formatTable(`without the ${dups} images flagged dup_in_fer_train`, clean));
  console.log(
    `expected calibration error (10 bins): ${ece.toFixed(4)}${temperature === undefined ? '' : `; after temperature ${temperature}: ${eceCalibrated!.toFixed(4)}`}`,
  );
  if (pipeline) console.log(`faces found: ${detected}/${items.length}; accuracy counting misses as wrong: ${(accuracy * 100).toFixed(2)}%`);
  console.log(`time: ${(ms / 1000).toFixed(1)} s (${(ms / Math.max(1, items.length)).toFixed(2)} ms per image incl. decoding)`);
  const out: Record<string, unknown> = {
    n: items.length,
    accuracy: pipeline ? accuracy : all.accuracy,
    macro_f1: all.macro_f1,
    ece,
    ...(temperature !== undefined && { ece_calibrated: eceCalibrated, temperature }),
    per_class_recall: all.per_class_recall,
    confusion: all.confusion,
    labels: FER_LABELS,
    classifier,
    mode: pipeline ? 'pipeline' : 'crops',
  };
  if (pipeline) out.faces_found = detected;
  if (dups > 0)
    out.without_dup_in_fer_train = {
      n: clean.n,
      accuracy: clean.accuracy,
      macro_f1: clean.macro_f1,
      per_class_recall: clean.per_class_recall,
      confusion: clean.confusion,
    };
  console.log(JSON.stringify(out));
}

main().catch((e) => {
  console.error(`eval:face failed: ${(e as Error).message}`);
  process.exit(1);
});
