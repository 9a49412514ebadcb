/**
 * npm run bench:models [-- --threads 1 --min-ms 1000 --provider auto|cpu|cuda]
 *
 * Milliseconds per inference at batch 1, 8, 16 and 32 for every model under models/, with one intra-op
 * thread (so inferences/s is per core), random inputs of the real shapes, after warm-up; median of
 * repeated runs (16 is the batch of the analysis pool's CUDA worker). The execution provider is
 * --provider, else MODELS_EXECUTION_PROVIDER (auto|cuda|cpu), and is
 * printed. The last line is one JSON object.
 */
import os from 'node:os';

import { type LoadedModel, loadModel, ort, providerSetting } from '../models/runtime/session.js';
import { speakerInputDim } from '../models/voice/voice-analyzer.js';
import { MoodFusion } from '../server/mood/fusion.js';

interface Spec {
  name: string;
  file: string;
  feeds: (b: number, m: LoadedModel) => Record<string, ort.Tensor>;
}

const rnd = (n: number, scale = 1, offset = 0) => Float32Array.from({ length: n }, () => Math.random() * scale + offset);

const SPECS: Spec[] = [
  {
    name: 'blazeface_front_128 (face detector)',
    file: 'face/blazeface_front_128.onnx',
    feeds: (b) => ({ image: new ort.Tensor('float32', rnd(b * 128 * 128 * 3, 255), [b, 128, 128, 3]) }),
  },
  {
    name: 'fer_cnn48 (expression, ours)',
    file: 'face/fer_cnn48.onnx',
    feeds: (b) => ({ input: new ort.Tensor('float32', rnd(b * 48 * 48), [b, 1, 48, 48]) }),
  },
  {
    name: 'mini_xception_64 (expression)',
    file: 'face/mini_xception_64.onnx',
    feeds: (b) => ({ input: new ort.Tensor('float32', rnd(b * 64 * 64), [b, 1, 64, 64]) }),
  },
  {
    name: 'ser_speaker_lr (speech emotion, 2 s, speaker-adaptive)',
    file: 'voice/ser_speaker_lr.onnx',
    feeds: (b, m) => {
      const d = speakerInputDim(m);
      return {
        pcm: new ort.Tensor('float32', rnd(b * 32000, 0.2, -0.1), [b, 32000]),
        speaker_mean: new ort.Tensor('float32', rnd(b * d, 10), [b, d]),
        speaker_var: new ort.Tensor('float32', rnd(b * d, 10, 1), [b, d]),
        speaker_n: new ort.Tensor('float32', new Float32Array(b).fill(20), [b, 1]),
      };
    },
  },
  {
    name: 'ser_mfcc_cnn_lstm (speech emotion, 2 s, previous default)',
    file: 'voice/ser_mfcc_cnn_lstm.onnx',
    feeds: (b) => ({ pcm: new ort.Tensor('float32', rnd(b * 32000, 0.2, -0.1), [b, 32000]) }),
  },
  {
    name: 'silero_vad_v5 (VAD, 32 ms)',
    file: 'voice/silero_vad_v5.onnx',
    feeds: (b) => ({
      input: new ort.Tensor('float32', rnd(b * 576, 0.2, -0.1), [b, 576]),
      state: new ort.Tensor('float32', new Float32Array(2 * b * 128), [2, b, 128]),
      sr: new ort.Tensor('int64', BigInt64Array.from([16000n]), []),
    }),
  },
];

async function main() {
  const args = process.argv.slice(2);
  const arg = (k: string, d: number) => {
    const i = args.indexOf(`--${k}`);
    return i >= 0 ? Number(args[i + 1]) : d;
  };
  const threads = arg('threads', 1);
  const providerIndex = args.indexOf('--provider');
  const provider = providerIndex >= 0 ? providerSetting({ MODELS_EXECUTION_PROVIDER: args[providerIndex + 1] }) : providerSetting();
  const minMs = arg('min-ms', 1000);
  const batches = [1, 8, 16, 32];
  const results: Record<string, unknown>[] = [];
  console.log(
    `bench:models — ${os.cpus()[0]?.model ?? 'cpu'} (${os.cpus().length} cores), load average ${os.loadavg()[0]!.toFixed(1)}, intra-op threads ${threads}`,
  );
  console.log('| model | provider | batch | ms per run | ms per inference | inferences/s per core |');
  console.log('|---|---|---|---|---|---|');
  for (const s of SPECS) {
    const m = await loadModel(s.file, { threads, provider });
    const row: Record<string, unknown> = { model: s.file, provider: m.provider };
    for (const b of batches) {
      const feeds = s.feeds(b, m);
      for (let i = 0; i < 3; i++) await m.session.run(feeds);
      const times: number[] = [];
      const start = performance.now();
      while (times.length < 5 || (performance.now() - start < minMs && times.length < 500)) {
        const t = performance.now();
        await m.session.run(feeds);
        times.push(performance.now() - t);
      }
      times.sort((a, c) => a - c);
      const med = times[times.length >> 1]!;
      const per = med / b;
      const perCore = 1000 / per / (m.provider === 'cpu' ? threads : 1);
      row[`b${b}_ms_per_run`] = +med.toFixed(3);
      row[`b${b}_ms_per_inference`] = +per.toFixed(4);
      row[`b${b}_inferences_per_s_per_core`] = Math.round(perCore);
      console.log(`| ${s.name} | ${m.provider} | ${b} | ${med.toFixed(3)} | ${per.toFixed(4)} | ${Math.round(perCore)} |`);
    }
    results.push(row);
  }
  // What ships per reading on top of the models: the shipped face classifier is mini_xception_64 twice (crop and
  // mirror); fusion calibrates each reading (face temperature) and pools it with per-class reliability weights.
  const fusionUs = fusionMicrosPerReading();
  console.log(
    `shipped: face = blazeface_front_128 + 2 × mini_xception_64 (flip) per frame; voice = silero_vad_v5 per 32 ms + ser_speaker_lr per 2 s window (its temperature is in the graph); fusion (calibration + per-class pool + "not sure") ${fusionUs.toFixed(2)} µs per reading`,
  );
  console.log(
    JSON.stringify({
      threads,
      provider_setting: provider,
      load_average: +os.loadavg()[0]!.toFixed(2),
      cores: os.cpus().length,
      results,
      fusion_us_per_reading: +fusionUs.toFixed(3),
    }),
  );
}

/** Mean cost per reading over many updates, each with one face and one voice reading (a participant with both). */
function fusionMicrosPerReading(): number {
  const fusion = new MoodFusion();
  const reading = () => {
    const p = Array.from({ length: 7 }, () => Math.random() + 0.01);
    return { probabilities: p, confidence: 0.3 + 0.7 * Math.random() };
  };
  const n = 20000;
  const inputs = Array.from({ length: 256 }, () => ({ face: reading(), voice: reading() }));
  const start = performance.now();
  for (let i = 0; i < n; i++) fusion.update({ t: i * 100, ...inputs[i % inputs.length]! });
  return ((performance.now() - start) * 1000) / (2 * n);
}

main().catch((e) => {
  console.error(`bench:models failed: ${(e as Error).message}`);
  process.exit(1);
});
