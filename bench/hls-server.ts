/**
 * The stream server for bench/hls.ts, in its own process (so the load generator and the
 * browser do not share its core): the stream plugin alone, playing real music clips from
 * ../shared/data/music (falling back to synthesised chords). Talks to its parent over IPC:
 * it sends { url } once listening, answers { id, op: 'switch', roomId } with the pick, and
 * stops every room but one on { op: 'stopAllBut', roomId }.
 */
import fs from 'node:fs';
import path from 'node:path';
import { PlaylistTrackSource, type PlannedTrack } from '../server/stream/track-source.js';
import { measureLoudness, toneTracks } from '../test/stream/fixtures.js';
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

const server = await startStreamApp({
  trackSource: new PlaylistTrackSource(musicClips(4)),
  idleStopS: 3600,
  listenerWindowS: 10,
}, 'error');
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
