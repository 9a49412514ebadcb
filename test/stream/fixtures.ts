/**
 * Real audio files for the stream tests and bench: each track a distinct chord (so a decoder
 * can tell which track is playing from its spectrum), at a different loudness (so loudness
 * matching has work to do), encoded with ffmpeg and measured with ffmpeg's EBU R128 meter.
 * Cached in the temp dir: the same specs give the same files.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { ffmpegPath } from '../../media/ffmpeg-path.js';
import type { PlannedTrack, TrackSource } from '../../server/stream/track-source.js';

/** Chords whose root notes a Goertzel filter tells apart (Hz). */
export const CHORDS = [
  [220, 277.18, 329.63],
  [261.63, 329.63, 392],
  [196, 246.94, 293.66],
  [349.23, 440, 523.25],
];

/** Integrated loudness of a file, from ffmpeg's ebur128 filter, LUFS. */
export function measureLoudness(file: string): number {
  const result = spawnSync(ffmpegPath(), ['-nostdin', '-hide_banner', '-i', file, '-af', 'ebur128', '-f', 'null', '-'], {
    encoding: 'utf8',
  });
  const match = /Integrated loudness:\s*\n\s*I:\s*(-?[\d.]+) LUFS/.exec(result.stderr);
  if (!match) throw new Error(`no loudness measured for ${file}: ${result.stderr.slice(-500)}`);
  return Number(match[1]);
}

/**
 * Synthesises `count` chord tracks of `durationS` seconds (flac), alternating loud and quiet,
 * and returns them as planned tracks with their measured loudness.
 */
export function toneTracks(count: number, durationS: number): PlannedTrack[] {
  return Array.from({ length: count }, (_, i) => toneTrack(i % CHORDS.length, durationS, i % 2 === 0 ? 2 : 0.6, i));
}

/**
 * One chord track (cached by its parameters): CHORDS[chord] for `durationS` seconds at
 * `amplitude` (ffmpeg's sine source plays at 1/8 of full scale: 2 and 0.6 give about -11 and -21 LUFS).
 */
export function toneTrack(chord: number, durationS: number, amplitude: number, index: number): PlannedTrack {
  const dir = path.join(os.tmpdir(), 'moodify-stream-fixtures');
  fs.mkdirSync(dir, { recursive: true });
  const freqs = CHORDS[chord]!;
  const key = createHash('sha1')
    .update(JSON.stringify({ chord: freqs, durationS, amplitude, v: 1 }))
    .digest('hex')
    .slice(0, 12);
  const file = path.join(dir, `chord-${index}-${key}.flac`);
  if (!fs.existsSync(file)) {
    const tones = freqs.map((f, n) => `sine=f=${f}:d=${durationS}:r=48000[t${n}]`).join(';');
    const inputs = freqs.map((_, n) => `[t${n}]`).join('');
    const graph = `${tones};${inputs}amix=inputs=${freqs.length}:normalize=0,volume=${amplitude},aformat=channel_layouts=stereo`;
    const tmp = `${file}.tmp.flac`;
    const r = spawnSync(
      ffmpegPath(),
      ['-nostdin', '-hide_banner', '-loglevel', 'error', '-y', '-filter_complex', graph, '-ar', '48000', tmp],
      { encoding: 'utf8' },
    );
    if (r.status !== 0) throw new Error(`ffmpeg could not synthesise ${file}: ${r.stderr}`);
    fs.renameSync(tmp, file);
  }
  return {
    trackId: `chord-${index}`,
    filePath: file,
    title: `Chord ${index + 1}`,
    artist: 'Moodify test tones',
    durationS,
    loudnessLufs: measureLoudness(file),
    explanation: `test chord ${freqs.map((f) => Math.round(f)).join('/')} Hz`,
  };
}

/** Energy of `frequency` in mono float samples (Goertzel), normalised by length. */
export function toneEnergy(samples: Float32Array, sampleRate: number, frequency: number): number {
  const w = (2 * Math.PI * frequency) / sampleRate;
  const coeff = 2 * Math.cos(w);
  let s1 = 0;
  let s2 = 0;
  for (const x of samples) {
    const s0 = x + coeff * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  return (s1 * s1 + s2 * s2 - coeff * s1 * s2) / (samples.length * samples.length);
}

/** Decodes any audio file or URL to mono 48 kHz float samples with ffmpeg. */
export function decodeMono(input: string, extraArgs: string[] = []): Float32Array {
  const r = spawnSync(
    ffmpegPath(),
    ['-nostdin', '-hide_banner', '-loglevel', 'error', ...extraArgs, '-i', input, '-ac', '1', '-ar', '48000', '-f', 'f32le', 'pipe:1'],
    {
      maxBuffer: 512 * 1024 * 1024,
    },
  );
  if (r.status !== 0) throw new Error(`ffmpeg could not decode ${input}: ${r.stderr.toString()}`);
  const buf = r.stdout;
  return new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
}

/** Plays a fixed list of tracks in order, round and round (stream tests and benches: no library, no recommender). */
export class PlaylistTrackSource implements TrackSource {
  private readonly position = new Map<string, number>();

  constructor(private readonly tracks: readonly PlannedTrack[]) {
    if (tracks.length === 0) throw new Error('PlaylistTrackSource needs at least one track');
  }

  async next(roomId: string): Promise<PlannedTrack> {
    const index = this.position.get(roomId) ?? 0;
    this.position.set(roomId, index + 1);
    return this.tracks[index % this.tracks.length]!;
  }
}
