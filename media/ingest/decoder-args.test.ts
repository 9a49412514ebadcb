import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { ffmpegPath } from '../ffmpeg-path.js';
import { audioOutputOptions, STDOUT_OUTPUT, videoOutputOptions } from './decoder-args.js';

/**
 * Wall-clock arrival (ms after spawn) of each whole 320×240 RGB frame ffmpeg writes to stdout
 * while it reads a live 1 fps source (`-re`) through the decoders' video output options.
 */
function frameArrivals(): Promise<number[]> {
  const frameBytes = 320 * 240 * 3;
  const args = [
    '-hide_banner', '-loglevel', 'error', '-re', '-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=1', '-t', '3',
    ...videoOutputOptions({ fps: 1, width: 320, height: 240 }),
  ];
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
    child.on('exit', () => resolve(arrivals));
  });
}

test('a decoded frame reaches stdout when it is ready, not one frame later', async () => {
  // The fps filter emits frame 0 once input frame 1 (t = 1 s) has arrived. With ffmpeg's default
  // frame-threaded rawvideo output it would reach stdout only with frame 1, at t ≈ 2 s.
  const arrivals = await frameArrivals();
  assert.ok(arrivals.length >= 2, `frames written: ${arrivals.length}`);
  assert.ok(arrivals[0]! < 1700, `first frame after ${arrivals[0]!.toFixed(0)} ms`);
});

test('both decoders end with single-threaded output to stdout', () => {
  for (const options of [videoOutputOptions({ fps: 5, width: 320, height: 240 }), audioOutputOptions()]) {
    assert.deepEqual(options.slice(-STDOUT_OUTPUT.length), STDOUT_OUTPUT);
  }
});
