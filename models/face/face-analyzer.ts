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
import { FER_LABELS, type FerLabel } from '../labels.js';
import { BatchScheduler } from '../runtime/batcher.js';
import { loadModel, ort, type ExecutionProviderSetting, type LoadedModel, type ModelLogger, type Provider } from '../runtime/session.js';
import { decodeDetections, DETECTOR_SIZE, type Detection } from './detector.js';
import { checkFrame, cropGray, letterboxRgb, resizeGray, rgbToGray, type CropSpec, type GrayImage, type Letterbox } from './image.js';

export type FaceBox = { x: number; y: number; width: number; height: number };

export type FaceResult =
  | { status: 'ok'; label: FerLabel; probabilities: number[]; confidence: number; box: FaceBox; detectorScore: number }
  | { status: 'no-face' }
  | { status: 'superseded' };

export interface ClassifierSpec {
  file: string;
  size: number;
}

/** Expression classifiers available under models/face/ (input: gray 0..1 [N,1,S,S]; output `probs` [N,7] FER order). */
export const CLASSIFIERS = {
  fer_cnn48: { file: 'face/fer_cnn48.onnx', size: 48 },
  mini_xception_64: { file: 'face/mini_xception_64.onnx', size: 64 },
} as const satisfies Record<string, ClassifierSpec>;
export type ClassifierName = keyof typeof CLASSIFIERS;

/** The shipped classifier: the one that scored higher on FER-2013 PublicTest (see models/face/README.md). */
export const DEFAULT_CLASSIFIER: ClassifierName = 'mini_xception_64';
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
}

interface DetectJob {
  frame: VideoFrame;
}
interface DetectOut {
  detections: Detection[];
}

export class FaceAnalyzer {
  readonly classifierSize: number;
  readonly providers: { detector: Provider; classifier: Provider };
  private readonly detectQ: BatchScheduler<DetectJob, DetectOut>;
  private readonly classifyQ: BatchScheduler<Float32Array, number[]>;
  private readonly minScore: number;

  private constructor(
    private readonly detector: LoadedModel,
    private readonly classifier: LoadedModel,
    size: number,
    opts: FaceAnalyzerOptions,
  ) {
    this.classifierSize = size;
    this.minScore = opts.minScore ?? 0.5;
    this.providers = { detector: detector.provider, classifier: classifier.provider };
    const maxBatch = opts.maxBatch ?? 16;
    const maxWaitMs = opts.maxWaitMs ?? 2;
    this.detectQ = new BatchScheduler({ run: (jobs) => this.runDetector(jobs), maxBatch, maxWaitMs });
    this.classifyQ = new BatchScheduler({ run: (crops) => this.runClassifier(crops), maxBatch, maxWaitMs });
  }

  static async create(opts: FaceAnalyzerOptions = {}): Promise<FaceAnalyzer> {
    const spec = CLASSIFIERS[opts.classifier ?? DEFAULT_CLASSIFIER];
    if (!spec) throw new Error(`unknown face classifier ${opts.classifier}; known: ${Object.keys(CLASSIFIERS).join(', ')}`);
    const load = { provider: opts.provider, threads: opts.threads, logger: opts.logger };
    const [det, cls] = await Promise.all([
      loadModel(opts.detectorFile ?? DETECTOR_FILE, load),
      loadModel(opts.classifierFile ?? spec.file, load),
    ]);
    return new FaceAnalyzer(det, cls, opts.classifierSize ?? spec.size, opts);
  }

  /** Scheduler statistics (batch sizes, superseded count, largest queue). */
  get stats() {
    return { detector: this.detectQ.stats, classifier: this.classifyQ.stats };
  }

  /**
   * Analyse one frame of one participant. Rejects with InvalidFrameError on a malformed frame (size and
   * buffer disagree); an empty (0×0) or face-less frame gives { status: 'no-face' }.
   */
  async analyze(frame: VideoFrame): Promise<FaceResult> {
    checkFrame(frame);
    const key = String(frame.participantId ?? '');
    if (frame.width === 0 || frame.height === 0) return { status: 'no-face' };
    const det = await this.detectQ.submit(key, { frame });
    if (det.status === 'superseded') return { status: 'superseded' };
    const face = det.value.detections[0];
    if (!face) return { status: 'no-face' };
    const gray = rgbToGray(frame.data, frame.width, frame.height);
    const input = new Float32Array(this.classifierSize * this.classifierSize);
    cropGray(gray, cropFor(face), this.classifierSize, input);
    const cls = await this.classifyQ.submit(key, input);
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
    const S = this.classifierSize;
    const out: { label: FerLabel; probabilities: number[]; confidence: number }[] = [];
    for (let i = 0; i < images.length; i += 64) {
      const part = images.slice(i, i + 64).map((img) => {
        const t = new Float32Array(S * S);
        resizeGray(img, S, t);
        return t;
      });
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

  private async runClassifier(crops: Float32Array[]): Promise<number[][]> {
    const S = this.classifierSize;
    const input = new Float32Array(crops.length * S * S);
    crops.forEach((c, i) => input.set(c, i * S * S));
    const res = await this.classifier.session.run({ input: new ort.Tensor('float32', input, [crops.length, 1, S, S]) });
    const p = res.probs!.data as Float32Array;
    return crops.map((_, i) => Array.from(p.subarray(i * 7, i * 7 + 7)));
  }
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
  let best = 0;
  for (let i = 1; i < 7; i++) if (p[i]! > p[best]!) best = i;
  return { status: 'ok', label: FER_LABELS[best]!, probabilities: p, confidence: p[best]! };
}

function roundBox(b: FaceBox): FaceBox {
  const r = (v: number) => Math.round(v * 10) / 10;
  return { x: r(b.x), y: r(b.y), width: r(b.width), height: r(b.height) };
}
