/**
 * Import on synthetic fixtures made with ffmpeg here (click tracks of known tempo, chord
 * progressions in known keys, a corrupt file, a duplicate, a sidecar) and on real audio (a 4Q
 * clip from ../shared/data/music and, when the package is installed, a Debian game-music track),
 * into a real embedded PostgreSQL (PGlite).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { eq } from 'drizzle-orm';

import { ffmpegPath } from '../../media/ffmpeg-path.js';
import { type Database, openDatabase } from '../../server/database.js';
import { importDirectory, importFiles, type ImportSummary } from '../../server/music/importer.js';
import { MusicMoodModel } from '../../server/music/valence-arousal.js';
import { trackFeatures, tracks } from '../../sql/schema.js';

const CLICKS = [
  { bpm: 90, file: 'click-90.mp3' },
  { bpm: 120, file: 'click-120.ogg' },
  { bpm: 140, file: 'click-140.flac' },
];
// Triads as sums of sines, two seconds each: I–IV–V–I and i–iv–V–i.
const C_MAJOR = [
  [261.63, 329.63, 392.0],
  [349.23, 440.0, 523.25],
  [392.0, 493.88, 587.33],
  [261.63, 329.63, 392.0],
];
const A_MINOR = [
  [220.0, 261.63, 329.63],
  [293.66, 349.23, 440.0],
  [329.63, 415.3, 493.88],
  [220.0, 261.63, 329.63],
];
const D_MAJOR = [
  [293.66, 369.99, 440.0],
  [392.0, 493.88, 587.33],
  [440.0, 554.37, 659.25],
  [293.66, 369.99, 440.0],
];

let dir: string;
let database: Database;
let summary: ImportSummary;

function synth(expression: string, seconds: number, out: string): void {
  execFileSync(ffmpegPath(), ['-v', 'error', '-y', '-f', 'lavfi', '-i', `aevalsrc='${expression}':s=44100:d=${seconds}`, out]);
}

function chords(progression: number[][]): string {
  const chord = (freqs: number[]) => freqs.map((f) => `sin(2*PI*${f}*t)`).join('+');
  // Nested if() over the time within an 8-second cycle; commas escaped for the filter graph.
  const [a, b, c, d] = progression.map(chord);
  return `0.2*if(lt(mod(t\\,8)\\,2)\\,${a}\\,if(lt(mod(t\\,8)\\,4)\\,${b}\\,if(lt(mod(t\\,8)\\,6)\\,${c}\\,${d})))`;
}

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'moodify-import-'));
  const lib = path.join(dir, 'lib');
  // The copy sorts after the original, so the original is the one imported.
  fs.mkdirSync(path.join(lib, 'z-copies'), { recursive: true });
  for (const { bpm, file } of CLICKS) {
    const period = 60 / bpm;
    synth(`if(lt(mod(t\\,${period})\\,0.03)\\,sin(2*PI*1500*t)*exp(-mod(t\\,${period})*100)\\,0)`, 12, path.join(lib, file));
  }
  synth(chords(C_MAJOR), 8, path.join(lib, 'c-major.wav'));
  synth(chords(A_MINOR), 8, path.join(lib, 'a-minor.m4a'));
  synth(chords(D_MAJOR), 8, path.join(lib, 'd-major.opus'));
  fs.copyFileSync(path.join(lib, 'c-major.wav'), path.join(lib, 'z-copies', 'c-major-copy.wav'));
  fs.writeFileSync(path.join(lib, 'broken.mp3'), Buffer.concat([Buffer.from('ID3'), Buffer.alloc(40_000, 7)]));
  fs.writeFileSync(
    path.join(lib, 'library.json'),
    JSON.stringify([
      { file: 'd-major.opus', title: 'Sunrise in D', artist: 'Sidecar', valence: 0.6, arousal: -0.4, tags: ['calm', 'test'] },
    ]),
  );
  database = await openDatabase({ dataDir: path.join(dir, 'data') });
  await database.migrate();
  summary = await importDirectory(database.db, lib, { origin: 'import' });
});

after(async () => {
  await database?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function featuresOf(fileName: string) {
  const rows = await database.db.select().from(tracks).innerJoin(trackFeatures, eq(trackFeatures.trackId, tracks.id));
  const row = rows.find((r) => path.basename(r.tracks.filePath) === fileName);
  assert.ok(row, `${fileName} was imported`);
  return row;
}

test('every readable file is imported; the corrupt one is reported and skipped; the copy is a duplicate', () => {
  assert.equal(summary.total, 8);
  assert.equal(summary.imported, 6, JSON.stringify(summary.outcomes));
  assert.equal(summary.failed, 1);
  const failed = summary.outcomes.find((o) => o.status === 'failed');
  assert.ok(failed && failed.status === 'failed' && failed.file.endsWith('broken.mp3'));
  assert.match(failed.error, /cannot decode .*broken\.mp3: \S/);
  assert.equal(summary.duplicates, 1);
  const dup = summary.outcomes.find((o) => o.status === 'duplicate');
  assert.ok(dup && dup.status === 'duplicate' && dup.duplicateOf.endsWith('c-major.wav'));
});

test('tempo within ±3 BPM on click tracks', async () => {
  for (const { bpm, file } of CLICKS) {
    const row = await featuresOf(file);
    assert.ok(Math.abs(row.track_features.bpm - bpm) <= 3, `${file}: ${row.track_features.bpm} BPM, expected ${bpm}`);
  }
});

test('key and mode right on chord fixtures', async () => {
  for (const [file, key, mode] of [
    ['c-major.wav', 'C', 'major'],
    ['a-minor.m4a', 'A', 'minor'],
    ['d-major.opus', 'D', 'major'],
  ] as const) {
    const row = await featuresOf(file);
    assert.equal(`${row.track_features.key} ${row.track_features.mode}`, `${key} ${mode}`, file);
  }
});

test('loudness (EBU R128), energy, mood estimate and sidecar overrides are stored', async () => {
  const cmaj = await featuresOf('c-major.wav');
  // Three sines at 0.2 peak each: around −19 LUFS; digital silence would be −70.
  assert.ok(cmaj.track_features.loudnessLufs > -30 && cmaj.track_features.loudnessLufs < -10, String(cmaj.track_features.loudnessLufs));
  assert.ok(cmaj.track_features.energy > 0);
  assert.equal(cmaj.track_features.moodSource, 'model');
  assert.ok(['happy', 'tense', 'sad', 'calm'].includes(cmaj.track_features.emotion));
  assert.ok(Math.abs(cmaj.track_features.valence) <= 1 && Math.abs(cmaj.track_features.arousal) <= 1);
  const d = await featuresOf('d-major.opus');
  assert.equal(d.tracks.title, 'Sunrise in D');
  assert.equal(d.tracks.artist, 'Sidecar');
  assert.deepEqual(d.tracks.tags, ['calm', 'test']);
  assert.equal(d.track_features.moodSource, 'sidecar');
  assert.ok(Math.abs(d.track_features.valence - 0.6) < 1e-6 && Math.abs(d.track_features.arousal + 0.4) < 1e-6);
  assert.equal(d.track_features.emotion, 'calm');
});

test('a second run resumes: imported files are skipped unchanged, the failures are retried', async () => {
  const again = await importDirectory(database.db, path.join(dir, 'lib'), { origin: 'import' });
  assert.equal(again.unchanged, 6);
  assert.equal(again.imported, 0);
  assert.equal(again.failed, 1);
});

test('a track measured by an older mood model is measured again by the next run', async () => {
  const before = await featuresOf('c-major.wav');
  await database.db
    .update(trackFeatures)
    .set({ modelVersion: 'an-older-model', valence: 0.99 })
    .where(eq(trackFeatures.trackId, before.tracks.id));
  const again = await importDirectory(database.db, path.join(dir, 'lib'), { origin: 'import' });
  assert.equal(again.imported, 1);
  assert.equal(again.unchanged, 5);
  const after = await featuresOf('c-major.wav');
  assert.equal(after.track_features.modelVersion, MusicMoodModel.load().version);
  assert.equal(after.track_features.valence, before.track_features.valence);
});

test('real audio: a 4Q clip and a Debian game-music track', async (t) => {
  const files = [
    '../shared/data/music/4q/Q3/' + (fs.existsSync('../shared/data/music/4q/Q3') ? fs.readdirSync('../shared/data/music/4q/Q3')[0] : ''),
  ];
  const debian = '/usr/share/games/singularity/music/lose/Chimes They Fade.ogg';
  if (fs.existsSync(debian)) files.push(debian);
  const present = files.filter((f) => fs.existsSync(f) && fs.statSync(f).isFile());
  if (present.length === 0) return t.skip('neither ../shared/data/music nor singularity-music is present');
  const result = await importFiles(database.db, present, { origin: 'import' });
  assert.equal(result.imported, present.length, JSON.stringify(result.outcomes));
  for (const file of present) {
    const row = await featuresOf(path.basename(file));
    assert.ok(row.tracks.durationS > 20);
    assert.ok(row.track_features.bpm >= 50 && row.track_features.bpm <= 220);
    assert.ok(row.track_features.loudnessLufs < -5 && row.track_features.loudnessLufs > -50);
  }
  if (fs.existsSync(debian)) {
    const row = await featuresOf(path.basename(debian));
    assert.equal(row.tracks.title, 'Chimes They Fade', 'title from the file tags');
  }
});
