import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';

import { ffmpegPath } from '../ffmpeg-path.js';
import { audioOutputOptions, STDOUT_OUTPUT, videoOutputOptions } from './decoder-args.js';

/**
 * Wall-clock arrival (ms after spawn) of each whole 320×240 RGB frame ffmpeg writes to stdout
 * while it reads a live 1 fps, 3 s source (`-re`) through the given output options, and of its exit.
 */
function frameArrivals(
  output = videoOutputOptions({ fps: 1, width: 320, height: 240 }),
): Promise<{ arrivals: number[]; exitedAt: number }> {
  const frameBytes = 320 * 240 * 3;
  const args = ['-hide_banner', '-loglevel', 'error', '-re', '-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=1', '-t', '3', ...output];
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(ffmpegPath(), args);
    const arrivals: number[] = [];
    let bytes = 0;
    child.stdout.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      while (bytes >= (arrivals.length + 1) * frameBytes) arrivals.push(performance.now() - started);
    });
    child.on('error', reject);
    child.on('exit', () => resolve({ arrivals, exitedAt: performance.now() - started }));
  });
}

test('a decoded frame reaches stdout when it is ready, not one frame later', async () => {
  // Frame 0 is selected as soon as it is decoded (t = 0). With ffmpeg's default frame-threaded rawvideo
  // output it would reach stdout only with frame 1, at t ≈ 1 s (the fps filter held it another second). Timed back
  // from ffmpeg's exit (t ≈ 4 s: measured 3.0 s after the first frame here, 2.0 s with the
  // threaded output), so a slow process start (one took 5.9 s in CI) cannot fail it.
  const { arrivals, exitedAt } = await frameArrivals();
  assert.ok(arrivals.length >= 2, `frames written: ${arrivals.length}`);
  const lead = exitedAt - arrivals[0]!;
  assert.ok(lead > 2500, `first frame only ${lead.toFixed(0)} ms before ffmpeg exited`);
});

test('both decoders end with single-threaded output to stdout', () => {
  for (const options of [videoOutputOptions({ fps: 5, width: 320, height: 240 }), audioOutputOptions()]) {
    assert.deepEqual(options.slice(-STDOUT_OUTPUT.length), STDOUT_OUTPUT);
  }
});

/** How many whole 320×240 RGB frames the video output options write for `seconds` of a `rate` fps source (as fast as ffmpeg can). */
function framesOut(rate: number, fps: number, seconds = 4): Promise<number> {
  const args = ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', `testsrc=size=320x240:rate=${rate}`, '-t', String(seconds)];
  return new Promise((resolve, reject) => {
    const child = spawn(ffmpegPath(), [...args, ...videoOutputOptions({ fps, width: 320, height: 240 })]);
    let bytes = 0;
    child.stdout.on('data', (chunk: Buffer) => (bytes += chunk.length));
    child.on('error', reject);
    child.on('exit', () => resolve(bytes / (320 * 240 * 3)));
  });
}

test('decode only what is analysed: at most fps frames a second, and never a duplicate of a slower stream', async () => {
  // a lower temporal layer (15 fps sender, base layer 3.75 fps): every frame once, not padded to 5 fps
  assert.equal(await framesOut(3.75, 5), 15);
  // the middle layer (7.5 fps) and the capture client's full 12 fps: one frame per 200 ms slot
  assert.equal(await framesOut(7.5, 5), 20);
  assert.equal(await framesOut(12, 5), 20);
});

test('the audio decoder writes 100 ms blocks of 16 kHz mono PCM, not one write per 20 ms', async () => {
  const args = ['-hide_banner', '-loglevel', 'error', '-re', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000:duration=1'];
  const reads: number[] = await new Promise((resolve, reject) => {
    const child = spawn(ffmpegPath(), [...args, ...audioOutputOptions()]);
    const sizes: number[] = [];
    child.stdout.on('data', (chunk: Buffer) => sizes.push(chunk.length));
    child.on('error', reject);
    child.on('exit', () => resolve(sizes));
  });
  assert.equal(
    reads.reduce((a, b) => a + b, 0),
    16000 * 2,
  );
  // read live (-re), each 100 ms block arrives on its own: about 10 reads of 3,200 bytes (one 20 ms write each would be 50)
  assert.ok(reads.length <= 15, `${reads.length} reads`);
  assert.ok(
    reads.slice(0, -1).every((n) => n % 3200 === 0),
    `block sizes ${reads}`,
  );
});
