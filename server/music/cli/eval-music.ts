/**
 * `npm run eval:music -- DIR`: quadrant accuracy of the music valence/arousal estimator on a
 * directory laid out like ../shared/data/music (labels.csv with file and quadrant columns),
 * through the same decode + features + model path the importer uses. Last line: one JSON object
 * {"n", "accuracy", "macro_f1", …}. (The dev set in ../shared/data/music is the training data:
 * its figure is a training fit; models/music/MODEL_CARD.md has the cross-validated ones.)
 */
import path from 'node:path';

import { analyseFile } from '../analyse.js';
import { readLabelledDirectory } from '../labelled-directory.js';
import { MusicMoodModel } from '../valence-arousal.js';

const dir = process.argv.slice(2).find((a) => !a.startsWith('-'));
if (!dir) {
  console.error('usage: npm run eval:music -- DIR   (DIR holds labels.csv with file and quadrant columns)');
  process.exit(2);
}
const model = MusicMoodModel.load();
const items = readLabelledDirectory(dir);
const QUADRANTS = ['Q1', 'Q2', 'Q3', 'Q4'] as const;
const confusion = QUADRANTS.map(() => QUADRANTS.map(() => 0));
let failed = 0;
for (const [i, item] of items.entries()) {
  try {
    const { moodWindows } = await analyseFile(item.path);
    const predicted = model.estimateWindows(moodWindows).quadrant;
    confusion[QUADRANTS.indexOf(item.quadrant)]![QUADRANTS.indexOf(predicted)]! += 1;
  } catch (err) {
    failed++;
    console.error(`\nskipped ${item.file}: ${(err as Error).message}`);
  }
  process.stderr.write(`\r${i + 1}/${items.length} ${path.basename(item.file)}   `);
}
process.stderr.write('\n');
const n = confusion.flat().reduce((a, b) => a + b, 0);
const correct = QUADRANTS.reduce((s, _, i) => s + confusion[i]![i]!, 0);
const perClass = QUADRANTS.map((q, i) => {
  const tp = confusion[i]![i]!;
  const support = confusion[i]!.reduce((a, b) => a + b, 0);
  const predicted = confusion.reduce((s, row) => s + row[i]!, 0);
  const recall = support ? tp / support : 0;
  const precision = predicted ? tp / predicted : 0;
  const f1 = precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
  return { quadrant: q, support, recall, precision, f1 };
});
const present = perClass.filter((c) => c.support > 0);
const macroF1 = present.length ? present.reduce((s, c) => s + c.f1, 0) / present.length : 0;
console.log(`model ${model.version} on ${dir}: ${n} clips${failed ? `, ${failed} unreadable` : ''}`);
console.log('confusion (rows = true Q1..Q4, columns = predicted):');
for (const [i, row] of confusion.entries()) console.log(`  ${QUADRANTS[i]}  ${row.map((v) => String(v).padStart(4)).join('')}`);
for (const c of perClass)
  console.log(
    `  ${c.quadrant}: recall ${c.recall.toFixed(3)}, precision ${c.precision.toFixed(3)}, f1 ${c.f1.toFixed(3)} (n=${c.support})`,
  );
console.log(
  JSON.stringify({
    n,
    accuracy: n ? Number((correct / n).toFixed(4)) : 0,
    macro_f1: Number(macroF1.toFixed(4)),
    failed,
    model: model.version,
  }),
);
