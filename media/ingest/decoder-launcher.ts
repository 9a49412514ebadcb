/**
 * Starts ffmpeg decoders. Process start-up (exec, loading codec libraries) costs a few hundred
 * milliseconds on a busy machine, which a restart after a crash must not pay: for each distinct
 * command line one spare process is kept ready, blocked reading its SDP from stdin, and handed
 * out at once; a new spare is started in the background.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';

import { ffmpegPath } from '../ffmpeg-path.js';

const spares = new Map<string, ChildProcessWithoutNullStreams>();
let closed = false;

function start(args: string[]): ChildProcessWithoutNullStreams {
  const child = spawn(ffmpegPath(), args, { stdio: ['pipe', 'pipe', 'pipe'] });
  child.stdin.on('error', () => {}); // it may exit before reading all of its SDP
  return child;
}

function alive(child: ChildProcessWithoutNullStreams): boolean {
  return child.exitCode === null && child.signalCode === null;
}

/** A decoder for `args` (whose input is `-i pipe:0`), given its SDP. */
export function launchDecoder(args: string[], sdp: string): ChildProcessWithoutNullStreams {
  const key = args.join('\u0000');
  let child = spares.get(key);
  spares.delete(key);
  if (!child || !alive(child)) child = start(args);
  child.stdin.end(sdp);
  if (!closed) {
    // Refill after the current tick, so a burst of joins does not fork twice per join at once.
    setImmediate(() => {
      if (!closed && !spares.has(key)) {
        const spare = start(args);
        spare.stdout.resume();
        spare.stderr.resume();
        spares.set(key, spare);
        spare.once('exit', () => spares.get(key) === spare && spares.delete(key));
      }
    });
  }
  return child;
}

/** The spare processes' ids (leak checks count decoders without them). */
export function spareDecoderPids(): number[] {
  return [...spares.values()].map((child) => child.pid ?? 0).filter((pid) => pid > 0);
}

/** Kills the spares (at shutdown); later launches start processes on demand, without spares. */
export async function closeSpareDecoders(): Promise<void> {
  closed = true;
  const exits = [...spares.values()].map(
    (child) =>
      new Promise((resolve) => {
        if (!alive(child)) return resolve(undefined);
        child.once('exit', resolve);
        child.kill('SIGKILL');
      }),
  );
  spares.clear();
  await Promise.all(exits);
}

/** For tests: allow spares again after closeSpareDecoders(). */
export function resetDecoderLauncher(): void {
  closed = false;
}
