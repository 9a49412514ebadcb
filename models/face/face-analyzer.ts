/**
 * Facial expression from video frames: BlazeFace detection (+ NMS in TypeScript) → eye-aligned square
 * crop → expression classifier. Both models run through batching schedulers shared by all participants:
 * a frame waits at most a few milliseconds for other participants' frames, and a participant's newer
 * frame supersedes its older one that has not run yet.
 *
 *   const fa = await FaceAnalyzer.create();
 *   const r = await fa.analyze(frame); // { status: 'ok', label, probabilities, confidence, box } | no-face | superseded
 */
import type { VideoFrame } from '../../media/types.js';
import { FER_LABELS, type FerLabel } from '../../vocabulary/emotions.js';
import { argmax } from '../argmax.js';
import { BatchScheduler, defaultMaxBatch } from '../runtime/batcher.js';
import { type ExecutionProviderSetting, type LoadedModel, loadModel, type ModelLogger, ort, type Provider } from '../runtime/session.js';
import { decodeDetections, type Detection, DETECTOR_SIZE } from './detector.js';
import { checkFrame, cropGray, type CropSpec, grayAround, type GrayImage, type Letterbox, letterboxRgb, resizeGray } from './image.js';
import { FaceTracker, type FaceTrackingOptions } from './tracker.js';

export type FaceBox = { x: number; y: number; width: number; height: number };

export type FaceResult =
  | { status: 'ok'; label: FerLabel; probabilities: number[]; confidence: number; box: FaceBox; detectorScore: number }
  | { status: 'no-face' }
  | { status: 'superseded' };

/** One ONNX expression model (input `input`: gray 0..1 [N,1,S,S]; output `probs` [N,7] FER order). */
export interface ClassifierMember {
  file: string;
  size: number;
  /** also classify the mirrored crop(s) and average (test-time augmentation; faces are near-symmetric) */
  flip?: boolean;
  /** crops the model sees, averaged (default: the crop itself); see SHIFT5 */
  views?: readonly CropView[];
}

/** A view of the face crop: scale of its side, and shift of its centre in units of the side. */
export interface CropView {
  scale: number;
  dx: number;
  dy: number;
}

/** The crop, plus four 46/48 crops shifted by 1/48 of the side left, right, up and down (FER's 48 px grid). */
export const SHIFT5: readonly CropView[] = [
  { scale: 1, dx: 0, dy: 0 },
  { scale: 46 / 48, dx: -1 / 48, dy: 0 },
  { scale: 46 / 48, dx: 1 / 48, dy: 0 },
  { scale: 46 / 48, dx: 0, dy: -1 / 48 },
  { scale: 46 / 48, dx: 0, dy: 1 / 48 },
];
const WHOLE: readonly CropView[] = [{ scale: 1, dx: 0, dy: 0 }];

/** A classifier is one model or an ensemble whose members' probabilities are averaged (equal weights). */
export interface ClassifierSpec {
  members: readonly ClassifierMember[];
}

const MINI_XCEPTION = { file: 'face/mini_xception_64.onnx', size: 64 } as const;
// fer_cnn48 averages the crop and its mirror inside its graph already
const FER_CNN48 = { file: 'face/fer_cnn48.onnx', size: 48 } as const;

/** Expression classifiers available under models/face/ (accuracies: the model cards, models/README.md). */
export const CLASSIFIERS = {
  fer_cnn48: { members: [FER_CNN48] },
  mini_xception_64: { members: [MINI_XCEPTION] },
  mini_xception_64_flip: { members: [{ ...MINI_XCEPTION, flip: true }] },
  mini_xception_64_flip_shift5: { members: [{ ...MINI_XCEPTION, flip: true, views: SHIFT5 }] },
  ensemble_mx_flip_cnn48: { members: [{ ...MINI_XCEPTION, flip: true }, FER_CNN48] },
} as const satisfies Record<string, ClassifierSpec>;
export type ClassifierName = keyof typeof CLASSIFIERS;

/**
 * The shipped classifier: mini-Xception with horizontal-flip averaging (PublicTest 65.9 % vs 65.3 % without,
 * for 2 inferences per face). flip_shift5 scores 66.4 % for 10; the ensemble with fer_cnn48 did not help
 * (65.9 %). Figures: models/face/mini_xception_64.md.
 */
export const DEFAULT_CLASSIFIER: ClassifierName = 'mini_xception_64_flip';
export const DETECTOR_FILE = 'face/blazeface_front_128.onnx';

/**
 * How the detector box maps to a FER-2013-like framing (FER crops show the whole face with a little
 * margin; BlazeFace boxes are tighter). Measured on upscaled FER-2013 training faces, see README.md.
 */
export const CROP = { scale: 1.17, shiftY: -0.08 };

export interface FaceAnalyzerOptions {
  classifier?: ClassifierName;
  /** override model files (absolute or relative to models/) */
  detectorFile?: string;
  classifierFile?: string;
  classifierSize?: number;
  provider?: ExecutionProviderSetting;
  threads?: number;
  maxBatch?: number;
  maxWaitMs?: number;
  /** minimum detector score (0..1) */
  minScore?: number;
  logger?: ModelLogger;
  /**
   * Reuse a participant's face box across frames while the picture around it stays still, re-detecting
   * at least every `redetectMs` (tracker.ts). Off by default: still images of different people share no box.
   */
  tracking?: FaceTrackingOptions | false;
}

interface DetectJob {
  frame: VideoFrame;
}
interface DetectOut {
  detections: Detection[];
}

/** One face for the classifier: per member, one crop per view; `mirror`: also classify the mirrored crops (members that flip). */
interface ClassifyJob {
  crops: Float32Array[][];
  mirror: boolean;
}

/** How much work one frame may cost. */
export interface AnalyzeOptions {
  /**
   * Skip the test-time mirror (half the classifier's work for 0.6 points of accuracy, models/face/mini_xception_64.md):
   * the analysis pool asks for it while it is behind, to analyse more frames rather than fewer, better ones.
   */
  quick?: boolean;
}

interface Member {
  model: LoadedModel;
  size: number;
  flip: boolean;
  views: readonly CropView[];
}

export class FaceAnalyzer {
  /** input size of the first (or only) classifier model */
  readonly classifierSize: number;
  readonly providers: { detector: Provider; classifier: Provider };
  private readonly detectQ: BatchScheduler<DetectJob, DetectOut>;
  /** per classifier member, one crop per view (identical crops are shared) */
  private readonly classifyQ: BatchScheduler<ClassifyJob, number[]>;
  private readonly minScore: number;
  private readonly tracker: FaceTracker | null;

  private constructor(
    private readonly detector: LoadedModel,
    private readonly members: Member[],
    opts: FaceAnalyzerOptions,
  ) {
    this.classifierSize = members[0]!.size;
    this.minScore = opts.minScore ?? 0.5;
    this.tracker = opts.tracking ? new FaceTracker(opts.tracking) : null;
    this.providers = { detector: detector.provider, classifier: members[0]!.model.provider };
    const maxBatch = opts.maxBatch ?? defaultMaxBatch(detector.provider);
    const maxWaitMs = opts.maxWaitMs ?? 2;
    this.detectQ = new BatchScheduler({ run: (jobs) => this.runDetector(jobs), maxBatch, maxWaitMs });
    this.classifyQ = new BatchScheduler({ run: (crops) => this.runClassifier(crops), maxBatch, maxWaitMs });
  }

  static async create(opts: FaceAnalyzerOptions = {}): Promise<FaceAnalyzer> {
    const spec: ClassifierSpec | undefined = CLASSIFIERS[opts.classifier ?? DEFAULT_CLASSIFIER];
    if (!spec) throw new Error(`unknown face classifier ${opts.classifier}; known: ${Object.keys(CLASSIFIERS).join(', ')}`);
    const load = { provider: opts.provider, threads: opts.threads, logger: opts.logger };
    const specs: readonly ClassifierMember[] = opts.classifierFile
      ? [{ file: opts.classifierFile, size: opts.classifierSize ?? spec.members[0]!.size }]
      : spec.members;
    const [det, ...models] = await Promise.all([
      loadModel(opts.detectorFile ?? DETECTOR_FILE, load),
      ...specs.map((m) => loadModel(m.file, load)),
    ]);
    return new FaceAnalyzer(
      det!,
      specs.map((m, i) => ({ model: models[i]!, size: m.size, flip: m.flip ?? false, views: m.views ?? WHOLE })),
      opts,
    );
  }

  /** Scheduler statistics (batch sizes, superseded count, largest queue). */
  get stats() {
    return { detector: this.detectQ.stats, classifier: this.classifyQ.stats, tracker: this.tracker?.stats };
  }

  /** Drops what is kept about a participant (their tracked face box). */
  forget(participantId: string): void {
    this.tracker?.forget(participantId);
  }

  /**
   * Analyse one frame of one participant. Rejects with InvalidFrameError on a malformed frame (size and
   * buffer disagree); an empty (0×0) or face-less frame gives { status: 'no-face' }.
   */
  async analyze(frame: VideoFrame, options: AnalyzeOptions = {}): Promise<FaceResult> {
    checkFrame(frame);
    const key = String(frame.participantId ?? '');
    if (frame.width === 0 || frame.height === 0) return { status: 'no-face' };
    let face = this.tracker?.reuse(key, frame);
    if (!face) {
      const det = await this.detectQ.submit(key, { frame });
      if (det.status === 'superseded') return { status: 'superseded' };
      face = det.value.detections[0];
      this.tracker?.detected(key, frame, face);
      if (!face) return { status: 'no-face' };
    }
    // gray of the face's surroundings only: the crops read nothing else
    const { image: gray, spec } = grayAround(frame, cropFor(face));
    const cls = await this.classifyQ.submit(key, {
      crops: this.cropsFor((size, view, out) => cropGray(gray, viewOf(spec, view), size, out)),
      mirror: !options.quick,
    });
    if (cls.status === 'superseded') return { status: 'superseded' };
    return { ...toResult(cls.value), box: roundBox(face.box), detectorScore: face.score };
  }

  /** Detections only (best first), for tools and tests. */
  async detect(frame: VideoFrame): Promise<Detection[]> {
    checkFrame(frame);
    if (frame.width === 0 || frame.height === 0) return [];
    const r = await this.detectQ.submit(`detect:${Math.random()}`, { frame });
    return r.status === 'done' ? r.value.detections : [];
  }

  /**
   * Classify images that already are face crops (e.g. FER-2013's 48×48 images), bypassing detection.
   * Each is resized to the classifier's input size. Runs in batches of up to 64.
   */
  async classifyCrops(images: GrayImage[]): Promise<{ label: FerLabel; probabilities: number[]; confidence: number }[]> {
    const out: { label: FerLabel; probabilities: number[]; confidence: number }[] = [];
    for (let i = 0; i < images.length; i += 64) {
      const part = images.slice(i, i + 64).map((img) => ({
        mirror: true,
        crops: this.cropsFor((size, view, t) => {
          if (view === WHOLE[0]) resizeGray(img, size, t);
          else
            cropGray(
              img,
              viewOf({ cx: img.width / 2, cy: img.height / 2, side: Math.max(img.width, img.height), angle: 0 }, view),
              size,
              t,
            );
        }),
      }));
      const probs = await this.runClassifier(part);
      out.push(...probs.map(toResult));
    }
    return out;
  }

  /** Stops the schedulers: waiting requests resolve as superseded. Sessions stay cached for reuse. */
  close(): void {
    this.detectQ.close();
    this.classifyQ.close();
  }

  private async runDetector(jobs: DetectJob[]): Promise<DetectOut[]> {
    const S = DETECTOR_SIZE;
    const input = new Float32Array(jobs.length * S * S * 3);
    const geoms: Letterbox[] = jobs.map((j, i) => letterboxRgb(j.frame, S, input, i * S * S * 3));
    const res = await this.detector.session.run({ image: new ort.Tensor('float32', input, [jobs.length, S, S, 3]) });
    const scores = res.scores!.data as Float32Array;
    const boxes = res.boxes!.data as Float32Array;
    const kps = res.keypoints!.data as Float32Array;
    return jobs.map((_, n) => ({
      detections: decodeDetections(scores, boxes, kps, n, geoms[n]!, { minScore: this.minScore, iou: 0.3, maxFaces: 4 }),
    }));
  }

  /** Per member, one size×size crop per view, each distinct crop made once. */
  private cropsFor(make: (size: number, view: CropView, out: Float32Array) => void): Float32Array[][] {
    const made = new Map<string, Float32Array>();
    return this.members.map(({ size, views }) =>
      views.map((view) => {
        const key = `${size}:${view.scale}:${view.dx}:${view.dy}`;
        let t = made.get(key);
        if (!t) {
          t = new Float32Array(size * size);
          make(size, view, t);
          made.set(key, t);
        }
        return t;
      }),
    );
  }

  /**
   * Every member runs once on the whole batch (all views, and their mirrors when it flips and the job wants
   * them, in the same run); a face's result is the mean over a member's copies, then over the members.
   */
  private async runClassifier(jobs: ClassifyJob[]): Promise<number[][]> {
    const perMember = await Promise.all(
      this.members.map(async (m, k) => {
        const S = m.size;
        // one input row per copy: the face (job) it belongs to, in order
        const owner: number[] = [];
        jobs.forEach((job, i) => {
          for (let c = job.crops[k]!.length * (m.flip && job.mirror ? 2 : 1); c > 0; c--) owner.push(i);
        });
        const input = new Float32Array(owner.length * S * S);
        let row = 0;
        for (const job of jobs) {
          for (const crop of job.crops[k]!) {
            input.set(crop, row++ * S * S);
            if (m.flip && job.mirror) mirrorInto(crop, S, input, row++ * S * S);
          }
        }
        const res = await m.model.session.run({ input: new ort.Tensor('float32', input, [owner.length, 1, S, S]) });
        const p = res.probs!.data as Float32Array;
        const sums = jobs.map(() => new Array<number>(7).fill(0));
        const copies = new Array<number>(jobs.length).fill(0);
        owner.forEach((i, r) => {
          copies[i]!++;
          for (let j = 0; j < 7; j++) sums[i]![j]! += p[r * 7 + j]!;
        });
        return sums.map((v, i) => v.map((x) => x / copies[i]!));
      }),
    );
    return jobs.map((_, i) => {
      const v = new Array<number>(7).fill(0);
      for (const pm of perMember) for (let j = 0; j < 7; j++) v[j]! += pm[i]![j]! / perMember.length;
      return v;
    });
  }
}

/** The crop spec of a view: side scaled, centre shifted along the crop's own (rotated) axes. */
function viewOf(spec: CropSpec, view: CropView): CropSpec {
  if (view.scale === 1 && view.dx === 0 && view.dy === 0) return spec;
  const c = Math.cos(spec.angle);
  const s = Math.sin(spec.angle);
  const dx = view.dx * spec.side;
  const dy = view.dy * spec.side;
  return { cx: spec.cx + c * dx - s * dy, cy: spec.cy + s * dx + c * dy, side: spec.side * view.scale, angle: spec.angle };
}

/** Writes the left-right mirror of a size×size image into `out` at `offset`. */
function mirrorInto(img: Float32Array, size: number, out: Float32Array, offset: number): void {
  for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) out[offset + y * size + x] = img[y * size + size - 1 - x]!;
}

/** The eye-aligned square crop for a detection (frame pixels). */
export function cropFor(face: Detection): CropSpec {
  const [re, le] = face.keypoints;
  const angle = re && le ? Math.atan2(le.y - re.y, le.x - re.x) : 0;
  const side = Math.max(face.box.width, face.box.height) * CROP.scale;
  return {
    cx: face.box.x + face.box.width / 2,
    cy: face.box.y + face.box.height / 2 + CROP.shiftY * side,
    side,
    angle: Math.abs(angle) < Math.PI / 4 ? angle : 0,
  };
}

function toResult(p: number[]): { status: 'ok'; label: FerLabel; probabilities: number[]; confidence: number } {
  const best = argmax(p);
  return { status: 'ok', label: FER_LABELS[best]!, probabilities: p, confidence: p[best]! };
}

function roundBox(b: FaceBox): FaceBox {
  const r = (v: number) => Math.round(v * 10) / 10;
  return { x: r(b.x), y: r(b.y), width: r(b.width), height: r(b.height) };
}
