/**
 * The media spine with a real browser: headless Chromium sends a camera clip made of real faces and
 * a microphone made of real speech; the server's decoded frames and PCM must match the sources.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import type { AudioTap, VideoTap } from '../../media/ingest/producer-tap.js';
import type { AudioChunk, VideoFrame } from '../../media/types.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { launchChromium } from '../helpers/browser.js';
import { waitFor } from '../helpers/server-process.js';
import {
  bestCircularCorrelation, correlation, ferImages, makeFaceClip, makeSpeechWav, rgbToGray, rmsEnvelope,
  sharedDataAvailable, speechClips, tempDir, type FaceClip,
} from '../helpers/test-media.js';

const skip = sharedDataAvailable() ? false : 'needs ../shared/data';
let server: TestApp;
let browser: Browser;
let clip: FaceClip;
let speech: { wav: string; pcm16k: Int16Array };

before(async () => {
  if (skip) return;
  const dir = tempDir('moodify-media-');
  clip = makeFaceClip([...ferImages('happy', 3), ...ferImages('surprise', 3)], path.join(dir, 'faces.y4m'));
  speech = makeSpeechWav(speechClips(3, (r) => r.actor === '3'), path.join(dir, 'speech.wav'));
  server = await startTestApp();
  browser = await launchChromium({ videoFile: clip.y4m, audioFile: speech.wav });
});
after(async () => {
  await browser?.close();
  await server?.close();
});

/** The next decoded stream of `kind` announced in `roomId` (the server-side producer exists then). */
function nextTap<K extends 'videoTap' | 'audioTap'>(kind: K, roomId: string, timeoutMs = 30000) {
  return new Promise<{ participantId: string; tap: K extends 'videoTap' ? VideoTap : AudioTap; at: number }>((resolve, reject) => {
    const timer = setTimeout(() => {
      server.app.rooms.off(kind, listener as never);
      reject(new Error(`no ${kind} in room ${roomId} within ${timeoutMs} ms`));
    }, timeoutMs);
    const listener = (event: { roomId: string; participantId: string; tap: VideoTap | AudioTap }) => {
      if (event.roomId !== roomId) return;
      clearTimeout(timer);
      server.app.rooms.off(kind, listener as never);
      resolve({ ...event, at: Date.now() } as never);
    };
    server.app.rooms.on(kind, listener as never);
  });
}

async function openRoomPage(roomId: string, query = '') {
  const page = await browser.newPage();
  page.on('pageerror', (e) => console.error('[pageerror]', e.message));
  await page.goto(`${server.url}/room/${roomId}?autostart&name=tester${query}`);
  return page;
}

async function collectFrames(tap: VideoTap, count: number, timeoutMs: number): Promise<VideoFrame[]> {
  const frames: VideoFrame[] = [];
  const deadline = Date.now() + timeoutMs;
  while (frames.length < count && Date.now() < deadline) {
    const next = await Promise.race([tap.frames.next(), new Promise<null>((r) => setTimeout(() => r(null), deadline - Date.now()))]);
    if (!next || next.done) break;
    frames.push(next.value);
  }
  return frames;
}

async function collectAudio(tap: AudioTap, chunks: number, timeoutMs: number): Promise<AudioChunk[]> {
  const out: AudioChunk[] = [];
  const deadline = Date.now() + timeoutMs;
  while (out.length < chunks && Date.now() < deadline) {
    const next = await Promise.race([tap.chunks.next(), new Promise<null>((r) => setTimeout(() => r(null), deadline - Date.now()))]);
    if (!next || next.done) break;
    out.push(next.value);
  }
  return out;
}

function bestReferenceMatch(frame: VideoFrame): number {
  const gray = rgbToGray(frame.data);
  return Math.max(...clip.references.map((ref) => correlation(gray, rgbToGray(ref))));
}

test('camera + mic: frames match the source faces and PCM follows the source speech', { skip }, async (t) => {
  const videoTap = nextTap('videoTap', 'ingest-a');
  const audioTap = nextTap('audioTap', 'ingest-a');
  const page = await openRoomPage('ingest-a');
  try {
    const { tap: video, participantId, at: producingAt } = await videoTap;
    const [first] = await collectFrames(video, 1, 5000 - (Date.now() - producingAt));
    assert.ok(first, 'a frame within 5 s of the camera producer arriving');
    assert.equal(first.participantId, participantId);
    assert.equal(first.width, 320);
    assert.equal(first.height, 240);
    const frames = await collectFrames(video, 10, 5000);
    const scores = frames.map(bestReferenceMatch);
    const matching = scores.filter((r) => r >= 0.8).length;
    t.diagnostic(`first frame ${(first.decodedAt && Date.now() - producingAt) || 0} ms after the producer; best-match r: ${scores.map((r) => r.toFixed(2)).join(' ')}`);
    assert.ok(matching >= frames.length * 0.8, `frames matching a source face (r ≥ 0.8): ${matching}/${frames.length}; r = ${scores.map((r) => r.toFixed(2)).join(' ')}`);

    const { tap: audio } = await audioTap;
    const chunks = await collectAudio(audio, 300, 10000); // 6 s
    assert.ok(chunks.length >= 250, `got ${chunks.length} audio chunks`);
    const pcm = new Int16Array(chunks.length * 320);
    chunks.forEach((c, i) => pcm.set(c.samples, i * 320));
    const window = 1600; // 100 ms
    const { r } = bestCircularCorrelation(rmsEnvelope(pcm, window), rmsEnvelope(speech.pcm16k, window));
    t.diagnostic(`RMS envelope correlation with the source speech: ${r.toFixed(2)} over ${chunks.length} chunks`);
    assert.ok(r >= 0.6, `RMS envelope correlation with the source speech: ${r.toFixed(2)}`);
  } finally {
    await page.close();
  }
});
