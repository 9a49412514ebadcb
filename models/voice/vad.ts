/**
 * Silero VAD v5 (MIT; the ONNX file ships in npm @livekit/agents-plugin-silero@1.9.0) at 16 kHz:
 * 512-sample windows (32 ms) with the previous window's last 64 samples as context, and a recurrent
 * state carried per stream.
 */
import { type LoadedModel, loadModel, type LoadOptions, ort } from '../runtime/session.js';

export const VAD_FILE = 'voice/silero_vad_v5.onnx';
export const VAD_WINDOW = 512;
const CONTEXT = 64;

export class VadState {
  readonly state = new Float32Array(2 * 128);
  readonly context = new Float32Array(CONTEXT);
  reset(): void {
    this.state.fill(0);
    this.context.fill(0);
  }
}

export class SileroVad {
  private readonly sr = new ort.Tensor('int64', BigInt64Array.from([16000n]), []);
  private constructor(readonly model: LoadedModel) {}

  static async load(file = VAD_FILE, opts: LoadOptions = {}): Promise<SileroVad> {
    return new SileroVad(await loadModel(file, opts));
  }

  /** Speech probability of `frames` (each VAD_WINDOW samples, -1..1) of several streams in one run. */
  async probs(states: VadState[], frames: Float32Array[]): Promise<number[]> {
    const n = frames.length;
    const input = new Float32Array(n * (CONTEXT + VAD_WINDOW));
    const state = new Float32Array(2 * n * 128);
    for (let i = 0; i < n; i++) {
      input.set(states[i]!.context, i * (CONTEXT + VAD_WINDOW));
      input.set(frames[i]!, i * (CONTEXT + VAD_WINDOW) + CONTEXT);
      // state layout [2, N, 128]
      state.set(states[i]!.state.subarray(0, 128), i * 128);
      state.set(states[i]!.state.subarray(128), (n + i) * 128);
    }
    const out = await this.model.session.run({
      input: new ort.Tensor('float32', input, [n, CONTEXT + VAD_WINDOW]),
      state: new ort.Tensor('float32', state, [2, n, 128]),
      sr: this.sr,
    });
    const p = out.output!.data as Float32Array;
    const sN = out.stateN!.data as Float32Array;
    return frames.map((f, i) => {
      states[i]!.state.set(sN.subarray(i * 128, i * 128 + 128), 0);
      states[i]!.state.set(sN.subarray((n + i) * 128, (n + i) * 128 + 128), 128);
      states[i]!.context.set(f.subarray(VAD_WINDOW - CONTEXT));
      const v = p[i]!;
      return Number.isFinite(v) ? v : 0;
    });
  }
}
