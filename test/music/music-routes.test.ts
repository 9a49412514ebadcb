/**
 * The music routes on the real app (in process): upload import with auth, type and size
 * errors, the library listing with credits, room strategies, and the track source the stream
 * engine calls, driven by a room mood published on the event bus.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { eq } from 'drizzle-orm';

import { ffmpegPath } from '../../media/ffmpeg-path.js';
import { feedback } from '../../sql/schema.js';
import { startTestApp, type TestApp } from '../helpers/app.js';

let t: TestApp;
let token: string;
let dir: string;
let clickWav: Buffer;

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'moodify-music-api-'));
  const file = path.join(dir, 'click.wav');
  // 8 s of clicks at 100 BPM, 16 kHz mono: about 256 KB, under the 1 MB limit set below.
  execFileSync(ffmpegPath(), [
    '-v',
    'error',
    '-y',
    '-f',
    'lavfi',
    '-i',
    "aevalsrc='if(lt(mod(t\\,0.6)\\,0.03)\\,sin(2*PI*1500*t)\\,0)':s=16000:d=8",
    file,
  ]);
  clickWav = fs.readFileSync(file);
  t = await startTestApp({ MEDIASOUP_WORKERS: '1', MUSIC_MAX_UPLOAD_MB: '1' });
  const signup = await fetch(`${t.url}/api/auth/signup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'dj@example.com', password: 'correct horse battery staple', displayName: 'DJ' }),
  });
  assert.equal(signup.status, 201, await signup.clone().text());
  token = ((await signup.json()) as { accessToken: string }).accessToken;
});

after(async () => {
  await t?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function upload(files: { name: string; bytes: Buffer }[], auth = true) {
  const form = new FormData();
  for (const f of files) form.append('file', new Blob([new Uint8Array(f.bytes)]), f.name);
  return fetch(`${t.url}/api/music/import`, { method: 'POST', body: form, headers: auth ? { authorization: `Bearer ${token}` } : {} });
}

test('the library starts empty and lists the bundled music credits', async () => {
  const lib = (await (await fetch(`${t.url}/api/music/library`)).json()) as {
    tracks: number;
    credits: { debianPackage: string; license: string }[];
  };
  assert.equal(lib.tracks, 0);
  assert.deepEqual(
    lib.credits.map((c) => c.debianPackage),
    ['singularity-music', 'hyperrogue-music'],
  );
  assert.ok(lib.credits.every((c) => c.license === 'CC BY-SA 3.0'));
});

test('upload import: sign-in required, wrong types and corrupt files reported, audio imported', async () => {
  assert.equal((await upload([{ name: 'click.wav', bytes: clickWav }], false)).status, 401);

  const none = await upload([{ name: 'notes.txt', bytes: Buffer.from('hello') }]);
  assert.equal(none.status, 400);
  assert.match(((await none.json()) as { rejected: { error: string }[] }).rejected[0]!.error, /unsupported file type "\.txt"/);

  const big = await upload([{ name: 'big.wav', bytes: Buffer.alloc(1.5 * 1024 * 1024, 1) }]);
  assert.equal(big.status, 413);
  assert.match(((await big.json()) as { message: string }).message, /^big\.wav is larger than the 1 MB upload limit/);

  const res = await upload([
    { name: 'click.wav', bytes: clickWav },
    { name: 'broken.mp3', bytes: Buffer.alloc(20_000, 3) },
  ]);
  const body = (await res.json()) as { imported: number; failed: { file: string; error: string }[]; tracks: { trackId: string }[] };
  assert.equal(res.status, 201, JSON.stringify(body));
  assert.equal(body.imported, 1);
  assert.equal(body.failed.length, 1);
  assert.equal(body.failed[0]!.file, 'broken.mp3');
  assert.match(body.failed[0]!.error, /cannot decode/);

  const again = await upload([{ name: 'same-audio.wav', bytes: clickWav }]);
  assert.equal(again.status, 422);
  assert.deepEqual(((await again.json()) as { duplicates: string[] }).duplicates, ['same-audio.wav']);

  const list = (await (await fetch(`${t.url}/api/music/tracks`)).json()) as {
    total: number;
    tracks: { bpm: number; origin: string; valence: number }[];
  };
  assert.equal(list.total, 1);
  assert.equal(list.tracks[0]!.origin, 'upload');
  assert.ok(Math.abs(list.tracks[0]!.bpm - 100) <= 3, String(list.tracks[0]!.bpm));
});

test("the stream engine's track source picks for the room mood on the bus, with an explanation", async () => {
  const { events, music } = t.app.services;
  assert.ok(music);
  events.emit('roomMood', {
    roomId: 'r1',
    t: Date.now(),
    mood: {
      emotion: 'happy',
      confidence: 0.8,
      valence: 0.7,
      arousal: 0.4,
      members: 2,
      mean: { valence: 0.7, arousal: 0.4 },
      guardedFor: [],
    },
  });
  const pick = await music.trackSource.next('r1', 'start');
  assert.ok(pick.filePath.endsWith('.wav') && fs.existsSync(pick.filePath));
  assert.match(pick.explanation, /^the room seemed happy \(0\.80\) → match: /);
  assert.ok(typeof pick.loudnessLufs === 'number' && typeof pick.bpm === 'number');
  // Feedback through the sink the stream uses is stored for that listener.
  await music.feedback.record({ roomId: 'r1', trackId: pick.trackId, listenerId: 'lid:abc', kind: 'skip' });
  const rows = await t.app.services.database.db.select().from(feedback).where(eq(feedback.userId, 'lid:abc'));
  assert.deepEqual(
    rows.map((r) => [r.trackId, r.kind]),
    [[pick.trackId, 'skip']],
  );
});

test('room strategy: members only, validated', async () => {
  const created = await fetch(`${t.url}/api/rooms`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ name: 'Strategy room' }),
  });
  assert.equal(created.status, 201);
  const roomId = ((await created.json()) as { id: string }).id;
  const put = (strategy: string, auth = true) =>
    fetch(`${t.url}/api/music/rooms/${roomId}/strategy`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', ...(auth ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ strategy }),
    });
  assert.equal((await put('calm', false)).status, 401);
  assert.equal((await put('calm')).status, 200);
  assert.equal(t.app.services.music!.director.strategyOf(`room:${roomId}`), 'calm');
  assert.equal((await put('loud')).status, 400);
});
