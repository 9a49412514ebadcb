/**
 * ONNX Runtime sessions: one InferenceSession per model file, loaded once per process and shared.
 * The execution provider comes from MODELS_EXECUTION_PROVIDER (auto | cuda | cpu, default auto):
 * auto tries CUDA when onnxruntime-node has its CUDA provider installed and falls back to CPU. One log
 * line per model says which provider runs it.
 */
// First: telemetry must be off before the native library loads.
import './no-telemetry.js';

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import ort from 'onnxruntime-node';

export type ExecutionProviderSetting = 'auto' | 'cuda' | 'cpu';
export type Provider = 'cuda' | 'cpu';

/** Folder holding the committed ONNX files (models/). */
export const MODELS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export class ModelLoadError extends Error {
  constructor(
    readonly modelPath: string,
    detail: string,
  ) {
    super(`cannot load model ${modelPath}: ${detail}`);
    this.name = 'ModelLoadError';
  }
}

export interface ModelLogger {
  info(msg: string): void;
  warn(msg: string): void;
}

const defaultLogger: ModelLogger = {
  info: (m) => {
    if (process.env.LOG_LEVEL !== 'silent' && process.env.MODELS_QUIET !== '1') process.stderr.write(`[models] ${m}\n`);
  },
  warn: (m) => {
    if (process.env.LOG_LEVEL !== 'silent') process.stderr.write(`[models] warning: ${m}\n`);
  },
};

export function providerSetting(env: NodeJS.ProcessEnv = process.env): ExecutionProviderSetting {
  const v = (env.MODELS_EXECUTION_PROVIDER ?? 'auto').trim().toLowerCase() || 'auto';
  if (v !== 'auto' && v !== 'cuda' && v !== 'cpu') {
    throw new Error(`Invalid configuration: MODELS_EXECUTION_PROVIDER: expected auto, cuda or cpu, got "${v}"`);
  }
  return v;
}

/** Whether this onnxruntime-node install can run the CUDA provider at all (its provider library is present). */
export function cudaInstalled(): boolean {
  try {
    const backends = ort.listSupportedBackends() as { name: string; bundled: boolean }[];
    const cuda = backends.find((b) => b.name === 'cuda');
    if (!cuda) return false;
    if (cuda.bundled) return true;
    const binDir = path.dirname(require_resolve_binding());
    return fs.existsSync(path.join(binDir, 'libonnxruntime_providers_cuda.so'));
  } catch {
    return false;
  }
}

function require_resolve_binding(): string {
  const pkg = path.dirname(fileURLToPath(import.meta.resolve('onnxruntime-node/package.json')));
  return path.join(pkg, 'bin', 'napi-v6', process.platform, process.arch, 'onnxruntime_binding.node');
}

export interface LoadOptions {
  provider?: ExecutionProviderSetting;
  /** intra-op threads per session (default 1: many small models, batched, on few cores) */
  threads?: number;
  logger?: ModelLogger;
}

export interface LoadedModel {
  session: ort.InferenceSession;
  provider: Provider;
  file: string;
}

const cache = new Map<string, Promise<LoadedModel>>();

/**
 * Load (once) the model at `file` (absolute, or relative to models/). A missing or corrupt file
 * rejects with a ModelLoadError that names the file; a failed load is not cached, so it can be retried.
 */
export function loadModel(file: string, opts: LoadOptions = {}): Promise<LoadedModel> {
  const abs = path.isAbsolute(file) ? file : path.join(MODELS_DIR, file);
  const setting = opts.provider ?? providerSetting();
  const key = `${abs}|${setting}|${opts.threads ?? 1}`;
  let p = cache.get(key);
  if (!p) {
    p = create(abs, setting, opts);
    cache.set(key, p);
    p.catch(() => cache.delete(key));
  }
  return p;
}

async function create(abs: string, setting: ExecutionProviderSetting, opts: LoadOptions): Promise<LoadedModel> {
  const log = opts.logger ?? defaultLogger;
  let bytes: Buffer;
  try {
    bytes = await fs.promises.readFile(abs);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ModelLoadError(abs, code === 'ENOENT' ? 'file not found (models are committed under models/)' : String(err));
  }
  if (bytes.length < 16) throw new ModelLoadError(abs, `file is ${bytes.length} bytes: not an ONNX model (corrupt or truncated)`);
  const base: ort.InferenceSession.SessionOptions = {
    intraOpNumThreads: opts.threads ?? 1,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    logSeverityLevel: 3,
  };
  const name = path.basename(abs);
  const wantCuda = setting === 'cuda' || (setting === 'auto' && cudaInstalled());
  if (wantCuda) {
    try {
      const session = await ort.InferenceSession.create(bytes, { ...base, executionProviders: ['cuda', 'cpu'] });
      log.info(`${name}: execution provider cuda (MODELS_EXECUTION_PROVIDER=${setting})`);
      return { session, provider: 'cuda', file: abs };
    } catch (err) {
      if (isCorrupt(err)) throw new ModelLoadError(abs, `not a valid ONNX model (${firstLine(err)})`);
      log.warn(`${name}: CUDA provider unavailable (${firstLine(err)}); falling back to cpu`);
    }
  }
  try {
    const session = await ort.InferenceSession.create(bytes, { ...base, executionProviders: ['cpu'] });
    log.info(
      `${name}: execution provider cpu (MODELS_EXECUTION_PROVIDER=${setting}${setting !== 'cpu' && !wantCuda ? ', no CUDA provider installed' : ''})`,
    );
    return { session, provider: 'cpu', file: abs };
  } catch (err) {
    throw new ModelLoadError(abs, `not a valid ONNX model (${firstLine(err)})`);
  }
}

function firstLine(err: unknown): string {
  return String((err as Error)?.message ?? err)
    .split('\n')[0]!
    .slice(0, 300);
}

function isCorrupt(err: unknown): boolean {
  return /protobuf|parse|invalid model|ModelProto|Load model/i.test(String((err as Error)?.message ?? err));
}

export { ort };
