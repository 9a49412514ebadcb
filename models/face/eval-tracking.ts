/**
 * node --import tsx models/face/eval-tracking.ts [DIR] [--limit N] [--frames K]
 *
 * What face box reuse (tracker.ts) costs in accuracy on the live path. Each FER-2013 PublicTest image of
 * DIR (default ../shared/data/fer, labels.csv) is shown as K consecutive camera frames (default 5, one
 * second at the analysis rate): upscaled onto the 320×240 canvas as eval:face --pipeline does, each frame
 * with its own camera noise (±3 levels) and the face shifted by up to 1 px, as a still sitter's frames
 * look. Every frame is analysed twice: detecting each frame (the path before box reuse) and with box
 * reuse (the server's path: the first frame detects, the others reuse the box while it stays put).
 * Prints both accuracies over all frames (missed faces count as wrong) and how many detections ran;
 * the last line is one JSON object.
 */
import fs from 'node:fs';
import path from 'node:path';

import type { VideoFrame } from '../../media/types.js';
import { FER_LABELS } from '../../vocabulary/emotions.js';
import { fixedSubset, parseArgs, parseCsv, round } from '../eval/metrics.js';
import { faceOnCanvas, readGray } from './decode.js';
import { FaceAnalyzer } from './face-analyzer.js';

const { positional, flags } = parseArgs(process.argv.slice(2));
const dir = path.resolve(positional[0] ?? '../shared/data/fer');
const limit = flags.limit ? Number(flags.limit) : 500;
const framesEach = flags.frames ? Number(flags.frames) : 5;
const rows = parseCsv(fs.readFileSync(path.join(dir, 'labels.csv'), 'utf8')).filter((r) => r.fer2013_usage === 'PublicTest');
const items = fixedSubset(rows, limit, (r) => r.file!).map((r) => ({
  file: path.join(dir, r.file!),
  label: FER_LABELS.indexOf(r.label as never),
}));

const quiet = { info: () => {}, warn: () => {} };
const [everyFrame, reuse] = await Promise.all([
  FaceAnalyzer.create({ provider: 'cpu', logger: quiet, maxWaitMs: 0 }),
  // a long age limit: this measures reuse itself, not the machine's speed
  FaceAnalyzer.create({ provider: 'cpu', logger: quiet, maxWaitMs: 0, tracking: { redetectMs: 60_000 } }),
]);

function cameraFrame(base: VideoFrame, seed: number): VideoFrame {
  let s = seed * 7919 + 1;
  const rand = () => ((s = (s * 1103515245 + 12345) & 0x7fffffff) >> 8) / (1 << 23);
  const dx = Math.round(rand() * 2 - 1);
  const dy = Math.round(rand() * 2 - 1);
  const { width, height } = base;
  const data = new Uint8Array(base.data.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const sx = Math.min(width - 1, Math.max(0, x - dx));
      const sy = Math.min(height - 1, Math.max(0, y - dy));
      for (let c = 0; c < 3; c++)
        data[(y * width + x) * 3 + c] = Math.max(0, Math.min(255, base.data[(sy * width + sx) * 3 + c]! + Math.round(rand() * 6 - 3)));
    }
  }
  return { ...base, data, seq: seed };
}

let correctEvery = 0;
let correctReuse = 0;
let agree = 0;
let total = 0;
for (const [i, item] of items.entries()) {
  const base = faceOnCanvas(readGray(item.file), { participantId: `p${i}` });
  for (let f = 0; f < framesEach; f++) {
    const frame = cameraFrame(base, i * framesEach + f);
    const [a, b] = await Promise.all([everyFrame.analyze(frame), reuse.analyze(frame)]);
    const la = a.status === 'ok' ? FER_LABELS.indexOf(a.label) : -1;
    const lb = b.status === 'ok' ? FER_LABELS.indexOf(b.label) : -1;
    correctEvery += Number(la === item.label);
    correctReuse += Number(lb === item.label);
    agree += Number(la === lb);
    total++;
  }
  reuse.forget(`p${i}`);
}
const stats = reuse.stats.tracker!;
everyFrame.close();
reuse.close();
console.log(`face box reuse on the live path: ${items.length} PublicTest images × ${framesEach} noisy frames (${dir})`);
console.log(
  `  detecting every frame: ${((100 * correctEvery) / total).toFixed(2)} %   reusing the box: ${((100 * correctReuse) / total).toFixed(2)} %   same label: ${((100 * agree) / total).toFixed(2)} %`,
);
console.log(`  detections with reuse: ${stats.detections} for ${total} frames (${stats.reused} reused, ${stats.motion} forced by motion)`);
console.log(
  JSON.stringify({
    n_images: items.length,
    frames_each: framesEach,
    frames: total,
    accuracy_detect_every_frame: round(correctEvery / total),
    accuracy_box_reuse: round(correctReuse / total),
    label_agreement: round(agree / total),
    detections: stats.detections,
    reused: stats.reused,
    motion_redetections: stats.motion,
  }),
);
