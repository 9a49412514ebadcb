/** Minimal WAV (RIFF PCM 16-bit) reader for evaluation and tests. Live audio arrives as AudioChunks. */
import fs from 'node:fs';

export interface Wav {
  sampleRate: number;
  channels: number;
  /** mono Int16 (channels averaged when there are several) */
  samples: Int16Array;
}

export function decodeWav(buf: Buffer, name = 'wav'): Wav {
  if (buf.length < 12 || buf.toString('ascii', 0, 4) !== 'RIFF' || buf.toString('ascii', 8, 12) !== 'WAVE') {
    throw new Error(`${name}: not a RIFF/WAVE file`);
  }
  let off = 12;
  let fmt: { format: number; channels: number; rate: number; bits: number } | null = null;
  while (off + 8 <= buf.length) {
    const id = buf.toString('ascii', off, off + 4);
    const size = buf.readUInt32LE(off + 4);
    const body = off + 8;
    if (id === 'fmt ') {
      fmt = {
        format: buf.readUInt16LE(body),
        channels: buf.readUInt16LE(body + 2),
        rate: buf.readUInt32LE(body + 4),
        bits: buf.readUInt16LE(body + 14),
      };
    } else if (id === 'data') {
      if (!fmt) throw new Error(`${name}: data chunk before fmt chunk`);
      if ((fmt.format !== 1 && fmt.format !== 0xfffe) || fmt.bits !== 16)
        throw new Error(`${name}: only 16-bit PCM is supported (format ${fmt.format}, ${fmt.bits} bits)`);
      const end = Math.min(buf.length, body + size);
      const frames = Math.floor((end - body) / (2 * fmt.channels));
      const out = new Int16Array(frames);
      for (let i = 0; i < frames; i++) {
        let acc = 0;
        for (let c = 0; c < fmt.channels; c++) acc += buf.readInt16LE(body + (i * fmt.channels + c) * 2);
        out[i] = Math.round(acc / fmt.channels);
      }
      return { sampleRate: fmt.rate, channels: fmt.channels, samples: out };
    }
    off = body + size + (size & 1);
  }
  throw new Error(`${name}: no data chunk`);
}

export function readWav(file: string): Wav {
  return decodeWav(fs.readFileSync(file), file);
}
