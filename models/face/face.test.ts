import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, test } from 'node:test';

import type { VideoFrame } from '../../media/types.js';
import { FER_LABELS } from '../../vocabulary/emotions.js';
import { decodeGray, faceOnCanvas, readGray } from './decode.js';
import { type ClassifierName, CLASSIFIERS, cropFor, FaceAnalyzer } from './face-analyzer.js';
import { cropGray, type GrayImage, InvalidFrameError, rgbToGray } from './image.js';

const FIX = new URL('../fixtures/face/', import.meta.url);
interface RefImage {
  file: string;
  label: string;
  pixels: number[];
  width: number;
  height: number;
  probs: number[];
}
const ref = JSON.parse(fs.readFileSync(new URL('reference.json', FIX), 'utf8')) as { classifier: string; size: number; images: RefImage[] };
// the single, un-mirrored model the Python references were computed with
const classifierName = (Object.keys(CLASSIFIERS) as ClassifierName[]).find((k) => {
  const m: readonly { file: string; flip?: boolean }[] = CLASSIFIERS[k].members;
  return m.length === 1 && !m[0]!.flip && m[0]!.file.endsWith(ref.classifier);
})!;
const quiet = { info: () => {}, warn: () => {} };
let fa: FaceAnalyzer;

before(async () => {
  fa = await FaceAnalyzer.create({ classifier: classifierName, provider: 'cpu', logger: quiet });
});
after(() => fa?.close());

const image = (r: RefImage): GrayImage => readGray(new URL(r.file, FIX).pathname);

test('fixtures decode like the training pipeline (PIL grayscale) and classify like onnxruntime in Python', async () => {
  let worst = 0;
  for (const r of ref.images) {
    const img = image(r);
    assert.equal(img.width, r.width);
    assert.equal(img.height, r.height);
    // JPEG decoders may differ by a level or two (IDCT rounding)
    const d = img.data.reduce((m, v, i) => Math.max(m, Math.abs(v * 255 - r.pixels[i]!)), 0);
    worst = Math.max(worst, d);
    // the classifier input from the exact training pixels reproduces Python's probabilities
    const exact: GrayImage = { width: r.width, height: r.height, data: Float32Array.from(r.pixels, (v) => v / 255) };
    const [res] = await fa.classifyCrops([exact]);
    // Python resized 48→64 with PIL, which rounds to uint8; TypeScript keeps floats: hence 2e-3, not 1e-6
    res!.probabilities.forEach((p, i) =>
      assert.ok(Math.abs(p - r.probs[i]!) < (ref.size === 48 ? 1e-5 : 2e-3), `${r.file} class ${i}: ${p} vs ${r.probs[i]}`),
    );
  }
  assert.ok(worst <= 3, `JPEG decode differs from PIL by ${worst} gray levels`);
});

test('the expression classifier gives the expected class on every fixture face (crop mode)', async () => {
  const res = await fa.classifyCrops(ref.images.map(image));
  res.forEach((r, i) => assert.equal(r.label, ref.images[i]!.label, ref.images[i]!.file));
});

test('full pipeline: an upscaled fixture face on a 320x240 canvas is found, cropped and classified', async () => {
  for (const [i, r] of ref.images.entries()) {
    const frame = faceOnCanvas(image(r), { participantId: `p${i}`, faceSize: 150, x: 60 + i * 3, y: 40 });
    const out = await fa.analyze(frame);
    assert.equal(out.status, 'ok', r.file);
    if (out.status !== 'ok') continue;
    assert.equal(out.label, r.label, `${r.file}: ${JSON.stringify(out.probabilities.map((p) => p.toFixed(2)))}`);
    assert.equal(out.probabilities.length, 7);
    assert.ok(Math.abs(out.probabilities.reduce((a, b) => a + b, 0) - 1) < 1e-4);
    assert.equal(out.confidence, Math.max(...out.probabilities));
    assert.equal(out.label, FER_LABELS[out.probabilities.indexOf(out.confidence)]);
    // the box lies on the placed face (150 px at x = 60 + 3i, y = 40)
    const cx = out.box.x + out.box.width / 2 - (60 + i * 3 + 75);
    const cy = out.box.y + out.box.height / 2 - (40 + 75);
    assert.ok(Math.hypot(cx, cy) < 45 && out.box.width > 60 && out.box.width < 200, `${r.file}: ${JSON.stringify(out.box)}`);
  }
});

test('crop parity: the TypeScript crop of a known face region gives back the training pixels', async () => {
  for (const r of ref.images) {
    const img = image(r);
    const frame = faceOnCanvas(img, { faceSize: 160 });
    const gray = rgbToGray(frame.data, frame.width, frame.height);
    const crop = new Float32Array(48 * 48);
    cropGray(gray, { cx: 160, cy: 120, side: 160, angle: 0 }, 48, crop);
    const mad = crop.reduce((a, v, i) => a + Math.abs(v - r.pixels[i]! / 255), 0) / crop.length;
    assert.ok(mad < 0.03, `${r.file}: mean |crop - training pixels| ${mad.toFixed(4)} (upscale + downscale interpolation only)`);
  }
});

test('detector framing: the aligned crop lands on the face with the FER-2013 scale', async () => {
  const centre: number[] = [];
  const scale: number[] = [];
  for (const r of ref.images) {
    const frame = faceOnCanvas(image(r), { faceSize: 160 });
    const [det] = await fa.detect(frame);
    assert.ok(det, r.file);
    const c = cropFor(det!);
    centre.push(Math.hypot(c.cx - 160, c.cy - 120) / 160);
    scale.push(c.side / 160);
  }
  const mean = (a: number[]) => a.reduce((x, y) => x + y, 0) / a.length;
  assert.ok(mean(centre) < 0.1, `crop centre off by ${mean(centre).toFixed(3)} of the face size on average`);
  assert.ok(Math.abs(mean(scale) - 1) < 0.15, `crop side / face size ${mean(scale).toFixed(3)} on average`);
});

test('batched analysis of several participants gives the same answers as one at a time', async () => {
  const frames = ref.images.slice(0, 6).map((r, i) => faceOnCanvas(image(r), { participantId: `b${i}` }));
  const single: string[] = [];
  for (const f of frames) {
    const r = await fa.analyze(f);
    single.push(r.status === 'ok' ? r.label : r.status);
  }
  const batched = await Promise.all(frames.map((f) => fa.analyze(f)));
  assert.deepEqual(
    batched.map((r) => (r.status === 'ok' ? r.label : r.status)),
    single,
  );
  assert.ok(
    fa.stats.detector.lastBatchSizes.some((s) => s > 1),
    'detector ran a batch larger than 1',
  );
  // On the CPU provider a run takes at most 4 (defaultMaxBatch): short blocks of the event loop.
  assert.equal(fa.providers.detector, 'cpu');
  assert.ok(Math.max(...fa.stats.detector.lastBatchSizes) <= 4, `detector batches ${fa.stats.detector.lastBatchSizes}`);
});

test('a newer frame of the same participant supersedes a waiting one', async () => {
  const r = ref.images[0]!;
  const f1 = faceOnCanvas(image(r), { participantId: 'same' });
  const f2 = { ...f1, seq: 1 };
  const [a, b] = await Promise.all([fa.analyze(f1), fa.analyze(f2)]);
  assert.equal(a.status, 'superseded');
  assert.equal(b.status, 'ok');
});

test('bad frames: 0x0 and face-less give no-face; a malformed frame rejects with a clear error', async () => {
  const base = { participantId: 'x', format: 'rgb24' as const, decodedAt: 0, seq: 0 };
  assert.deepEqual(await fa.analyze({ ...base, width: 0, height: 0, data: new Uint8Array(0) }), { status: 'no-face' });
  assert.deepEqual(await fa.analyze({ ...base, width: 320, height: 240, data: new Uint8Array(320 * 240 * 3).fill(128) }), {
    status: 'no-face',
  });
  const noise = new Uint8Array(320 * 240 * 3);
  let s = 1;
  for (let i = 0; i < noise.length; i++) noise[i] = (s = (s * 1103515245 + 12345) >>> 0) >>> 24;
  assert.deepEqual(await fa.analyze({ ...base, width: 320, height: 240, data: noise }), { status: 'no-face' });
  assert.deepEqual(await fa.analyze({ ...base, width: 1, height: 1, data: new Uint8Array(3) }), { status: 'no-face' });
  await assert.rejects(fa.analyze({ ...base, width: 320, height: 240, data: new Uint8Array(10) }), InvalidFrameError);
  await assert.rejects(fa.analyze({ ...base, width: -1, height: 2, data: new Uint8Array(0) }), /invalid video frame: bad size/);
  await assert.rejects(fa.analyze({ ...base, width: 2, height: 2, data: [1, 2] as unknown as Uint8Array } as VideoFrame), /Uint8Array/);
  assert.throws(() => decodeGray(new Uint8Array([1, 2, 3])), /not a JPEG or binary PGM/);
});

test('a missing or corrupt classifier file fails FaceAnalyzer.create with a clear error', async () => {
  await assert.rejects(
    FaceAnalyzer.create({ classifierFile: 'face/nope.onnx', provider: 'cpu', logger: quiet }),
    /nope\.onnx: file not found/,
  );
  const tmp = `${process.env.TMPDIR ?? '/tmp'}/moodify-corrupt-${process.pid}.onnx`;
  fs.writeFileSync(tmp, Buffer.alloc(4096, 7));
  try {
    await assert.rejects(FaceAnalyzer.create({ detectorFile: tmp, provider: 'cpu', logger: quiet }), /not a valid ONNX model/);
  } finally {
    fs.rmSync(tmp, { force: true });
  }
});

test('the CNN trained here (not shipped) loads and gets the clear fixtures right', async () => {
  const cnn = await FaceAnalyzer.create({ classifier: 'fer_cnn48', provider: 'cpu', logger: quiet });
  try {
    assert.equal(cnn.classifierSize, 48);
    const clear = ref.images.filter((r) => r.label === 'happy' || r.label === 'surprise');
    const res = await cnn.classifyCrops(clear.map(image));
    res.forEach((r, i) => assert.equal(r.label, clear[i]!.label, clear[i]!.file));
  } finally {
    cnn.close();
  }
});

test('test-time augmentation: flip averages the crop and its mirror; shift5 adds four shifted crops; batched = one by one', async () => {
  const flip = await FaceAnalyzer.create({ classifier: 'mini_xception_64_flip', provider: 'cpu', logger: quiet });
  const shift5 = await FaceAnalyzer.create({ classifier: 'mini_xception_64_flip_shift5', provider: 'cpu', logger: quiet });
  try {
    const imgs = ref.images.slice(0, 4).map(image);
    const mirror = (g: GrayImage): GrayImage => ({
      width: g.width,
      height: g.height,
      data: Float32Array.from(g.data, (_, i) => g.data[Math.floor(i / g.width) * g.width + g.width - 1 - (i % g.width)]!),
    });
    const plain = await fa.classifyCrops(imgs);
    const mirrored = await fa.classifyCrops(imgs.map(mirror));
    const flipped = await flip.classifyCrops(imgs);
    flipped.forEach((r, i) =>
      r.probabilities.forEach((p, j) => {
        const want = (plain[i]!.probabilities[j]! + mirrored[i]!.probabilities[j]!) / 2;
        assert.ok(Math.abs(p - want) < 1e-5, `image ${i} class ${j}: ${p} vs ${want}`);
      }),
    );
    // a mirrored face gives the same flip-averaged answer (up to the 48→64 resampling grid)
    const ofMirror = await flip.classifyCrops(imgs.map(mirror));
    ofMirror.forEach((r, i) => r.probabilities.forEach((p, j) => assert.ok(Math.abs(p - flipped[i]!.probabilities[j]!) < 1e-4)));
    const five = await shift5.classifyCrops(imgs);
    const oneByOne: typeof five = [];
    for (const img of imgs) oneByOne.push(...(await shift5.classifyCrops([img])));
    five.forEach((r, i) => {
      assert.ok(Math.abs(r.probabilities.reduce((a, b) => a + b, 0) - 1) < 1e-4);
      assert.ok(
        r.probabilities.some((p, j) => Math.abs(p - flipped[i]!.probabilities[j]!) > 1e-6),
        'shifted crops change the answer',
      );
      r.probabilities.forEach((p, j) => assert.ok(Math.abs(p - oneByOne[i]!.probabilities[j]!) < 1e-5));
      assert.equal(r.label, ref.images[i]!.label, ref.images[i]!.file);
    });
  } finally {
    flip.close();
    shift5.close();
  }
});

test('quick analysis (the pool is behind) skips the mirror: it answers as the unflipped model, also in a batch with full frames', async () => {
  const flip = await FaceAnalyzer.create({ classifier: 'mini_xception_64_flip', provider: 'cpu', logger: quiet });
  try {
    const frames = ref.images.slice(0, 4).map((r, i) => faceOnCanvas(image(r), { participantId: `q${i}` }));
    const plain = await Promise.all(frames.map((f) => fa.analyze(f)));
    const full = await Promise.all(frames.map((f) => flip.analyze(f)));
    // one batch: even frames quick, odd frames full
    const mixed = await Promise.all(frames.map((f, i) => flip.analyze(f, { quick: i % 2 === 0 })));
    mixed.forEach((r, i) => {
      const want = i % 2 === 0 ? plain[i]! : full[i]!;
      assert.equal(r.status, 'ok');
      assert.equal(want.status, 'ok');
      if (r.status !== 'ok' || want.status !== 'ok') return;
      r.probabilities.forEach((p, j) =>
        assert.ok(Math.abs(p - want.probabilities[j]!) < 1e-5, `frame ${i} class ${j}: ${p} vs ${want.probabilities[j]}`),
      );
    });
    assert.ok(
      full.some(
        (r, i) =>
          r.status === 'ok' && plain[i]!.status === 'ok' && Math.abs(r.confidence - (plain[i] as { confidence: number }).confidence) > 1e-6,
      ),
      'the mirror changes the full answer',
    );
    assert.ok(Math.max(...flip.stats.classifier.lastBatchSizes) > 1, 'quick and full frames shared a batch');
  } finally {
    flip.close();
  }
});
