/**
 * The stream server for bench/hls.ts, in its own process (so the load generator and the
 * browser do not share its core): the stream plugin alone, playing real music clips from
 * ../shared/data/music (30 s clips, falling back to synthesised chords), or with
 * BENCH_MUSIC=bundled the full-length tracks of the bundled Debian library that `npm start`
 * plays (per-track decoder start-up then weighs as it does in the product, not once per 30 s).
 * Talks to its parent over IPC:
 * it sends { url } once listening, answers { id, op: 'switch', roomId } with the pick, and
 * stops every room but one on { op: 'stopAllBut', roomId }.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import { ffmpegPath } from '../media/ffmpeg-path.js';
import { installedSources } from '../server/music/bundled.js';
import type { PlannedTrack } from '../server/stream/track-source.js';
import { measureLoudness, PlaylistTrackSource, toneTracks } from '../test/stream/fixtures.js';
import { startStreamApp } from '../test/stream/stream-app.js';

const MUSIC = path.resolve('../shared/data/music');

function musicClips(count: number): PlannedTrack[] {
  const labels = path.join(MUSIC, 'labels.csv');
  if (!fs.existsSync(labels)) return toneTracks(count, 60);
  const rows = fs.readFileSync(labels, 'utf8').trim().split('\n').slice(1);
  // One clip per quadrant: different moods, different loudness.
  const picked = ['Q1', 'Q2', 'Q3', 'Q4'].map((q) => rows.find((r) => r.split(',')[2] === q)!).slice(0, count);
  return picked.map((row, i) => {
    const [file, songId] = row.split(',');
    const filePath = path.join(MUSIC, file!);
    return {
      trackId: songId!,
      filePath,
      title: `clip ${i + 1}`,
      durationS: 30,
      loudnessLufs: measureLoudness(filePath),
      explanation: 'bench clip',
    };
  });
}

/** The first `count` tracks of the bundled library, with their real durations. */
function bundledTracks(count: number): PlannedTrack[] {
  const files = installedSources().flatMap((source) =>
    fs
      .readdirSync(source.dir)
      .filter((name) => /\.(ogg|mp3|flac)$/i.test(name))
      .sort()
      .map((name) => path.join(source.dir, name)),
  );
  if (files.length < count) throw new Error(`BENCH_MUSIC=bundled needs ${count} bundled tracks, found ${files.length}: run npm run setup`);
  return files.slice(0, count).map((filePath, i) => ({
    trackId: `bundled-${i + 1}`,
    filePath,
    title: path.basename(filePath),
    durationS: probeDuration(filePath),
    loudnessLufs: measureLoudness(filePath),
    explanation: 'bench track',
  }));
}

function probeDuration(file: string): number {
  const result = spawnSync(ffmpegPath(), ['-nostdin', '-hide_banner', '-i', file, '-f', 'null', '-'], { encoding: 'utf8' });
  const times = [...result.stderr.matchAll(/time=(\d+):(\d+):([\d.]+)/g)];
  const last = times.at(-1);
  if (!last) throw new Error(`no duration for ${file}`);
  return Number(last[1]) * 3600 + Number(last[2]) * 60 + Number(last[3]);
}

const tracks = process.env.BENCH_MUSIC === 'bundled' ? bundledTracks(4) : musicClips(4);
const server = await startStreamApp(
  {
    trackSource: new PlaylistTrackSource(tracks),
    idleStopS: 3600,
    listenerWindowS: 10,
  },
  'error',
);
process.send!({ url: server.url });
process.on('message', (message: { id: number; op: string; roomId: string }) => {
  if (message.op === 'stopAllBut') {
    for (const roomId of server.app.streams.roomIds) if (roomId !== message.roomId) void server.app.streams.stop(roomId);
    return;
  }
  if (message.op !== 'switch') return;
  const requestedAt = Date.now();
  server.app.streams.requestSwitch(message.roomId, 'mood').then(
    (track) => process.send!({ id: message.id, track, requestedAt }),
    (err: unknown) => process.send!({ id: message.id, error: String(err) }),
  );
});
process.on('disconnect', () => void server.close().then(() => process.exit(0)));
