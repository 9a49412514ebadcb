/**
 * On the real app with accounts on and a small library (rows written straight to the database):
 * a mood override set through PUT /api/me/settings changes the published mood (source
 * "override"), the room's group mood and the next pick's explanation at once, also when it was
 * set before joining; clearing or expiry returns to the sensed mood; the owner's strategy
 * steers their room; GET /api/music/search finds tracks by mood words and by a point, nearest
 * first, and refuses bad input and anonymous callers.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';

import { SignallingWs } from '../../bench/lib/ws-client.js';
import { roomSession } from '../../server/music/director.js';
import { trackFeatures, tracks } from '../../sql/schema.js';
import { type RoomFixture, roomFixture } from '../accounts/fixtures.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { waitFor } from '../helpers/server-process.js';

let server: TestApp;
let f: RoomFixture;
const sockets: SignallingWs[] = [];

/** A 7×7 grid over the valence/arousal plane, titled by position. */
async function insertLibrary(): Promise<void> {
  const db = server.app.services.database.db;
  for (let i = 0; i < 7; i++) {
    for (let j = 0; j < 7; j++) {
      const valence = -0.9 + i * 0.3;
      const arousal = -0.9 + j * 0.3;
      const [row] = await db
        .insert(tracks)
        .values({
          filePath: `/library/grid-${i}-${j}.ogg`,
          audioHash: crypto.randomUUID(),
          fileSize: 1,
          fileMtimeMs: 0,
          title: `Grid ${i}-${j}`,
          artist: j === 3 ? 'Middle Band' : 'Edge Band',
          durationS: 200,
          origin: 'import',
          license: 'CC0',
        })
        .returning();
      await db.insert(trackFeatures).values({
        trackId: row!.id,
        bpm: 115 + 45 * arousal,
        key: 'C',
        mode: 'major',
        keyConfidence: 0.5,
        loudnessLufs: -16,
        energy: 0.5,
        spectralCentroidHz: 1500,
        valence,
        arousal,
        emotion: 'neutral',
        moodSource: 'sidecar',
        modelVersion: 'test',
        vector: {},
      });
    }
  }
  await server.app.services.music!.director.reloadCatalog();
}

before(async () => {
  server = await startTestApp({ ALLOW_ANONYMOUS_ROOMS: 'false', MEDIASOUP_WORKERS: '1' });
  f = await roomFixture(server.app);
  // The grid's files do not exist: the stream engine (which starts when a member joins) would
  // pick and fail over and over. This file is about mood → pick, so no streams here.
  await server.app.streams.close();
  await insertLibrary();
});
after(async () => {
  await Promise.all(sockets.map((s) => s.close()));
  await server?.close();
});

type Data = Record<string, unknown>;
const eventsOf = (ws: SignallingWs, name: string) => ws.events.filter((e) => e.event === name).map((e) => e.data as Data);
const api = (method: string, url: string, token?: string, payload?: object) =>
  server.app.inject({
    method: method as 'GET',
    url,
    headers: token ? { authorization: `Bearer ${token}` } : {},
    ...(payload ? { payload } : {}),
  });

async function join(token: string): Promise<{ ws: SignallingWs; participantId: string }> {
  const ws = await SignallingWs.connect(server.url.replace('http', 'ws') + '/ws');
  sockets.push(ws);
  const joined = await ws.request<{ participantId: string }>('join', { roomId: f.roomId, token });
  return { ws, participantId: joined.participantId };
}

test("an override changes the fused mood, the group mood and the pick's explanation; clearing and expiry return to fused", async () => {
  const { music, mood } = server.app.services;
  const owner = await join(f.owner.token);
  // The owner's face says happy.
  const start = Date.now() - 4000;
  for (let i = 0; i < 20; i++) {
    mood!.observe({
      roomId: f.roomId,
      participantId: owner.participantId,
      userId: f.owner.id,
      modality: 'face',
      reading: { probabilities: [0, 0, 0, 0.9, 0, 0, 0.1], confidence: 0.9 },
      t: start + i * 200,
    });
  }
  assert.equal(mood!.roomMood(f.roomId)!.emotion, 'happy');
  await waitFor(() => eventsOf(owner.ws, 'roomMood').find((e) => e.emotion === 'happy'), 5000, 'a happy room');
  const before = await music!.trackSource.next(f.roomId, 'start');
  assert.match(before.explanation, /^the room seemed happy/);

  // They pin "sad" for 5 minutes: in effect at once, without any new reading.
  const set = await api('PUT', '/api/me/settings', f.owner.token, { moodOverride: { emotion: 'sad', minutes: 5 } });
  assert.equal(set.statusCode, 200, set.body);
  const pinned = await waitFor(() => eventsOf(owner.ws, 'participantMood').find((e) => e.source === 'override'), 5000, 'an override mood');
  assert.equal(pinned.emotion, 'sad');
  assert.equal(pinned.confidence, 1);
  assert.equal((pinned.override as Data).emotion, 'sad');
  assert.equal((pinned.override as Data).until, set.json().moodOverride.until);
  await waitFor(() => eventsOf(owner.ws, 'roomMood').find((e) => e.emotion === 'sad'), 5000, 'a sad room');
  assert.equal(mood!.roomMood(f.roomId)!.emotion, 'sad');
  const until = set.json().moodOverride.until as string;
  // Deliberate: the early switch waits only for the minimum dwell, not for a sustained change.
  assert.equal(typeof music!.director.deliberateSwitchDueInMs(roomSession(f.roomId)), 'number', 'the override asked for an early switch');
  const pick = await music!.trackSource.next(f.roomId, 'next');
  assert.equal(
    pick.explanation.startsWith(`you set your mood to sad (until ${until.slice(11, 16)} UTC) → match: `),
    true,
    pick.explanation,
  );
  assert.ok(pick.valence < 0, `a sad pick for a sad override: ${pick.valence}`);

  // Cleared: back to what the camera sees (the last happy reading, decayed: neutral at low confidence, or happy).
  const cleared = await api('PUT', '/api/me/settings', f.owner.token, { moodOverride: null });
  assert.equal(cleared.json().moodOverride, null);
  await waitFor(() => eventsOf(owner.ws, 'participantMood').at(-1)?.source === 'fused' || undefined, 5000, 'the fused mood again');
  const after = await music!.trackSource.next(f.roomId, 'next');
  assert.doesNotMatch(after.explanation, /set your mood/);

  // Expiry (minutes are the API's unit; the engine's timer is what ends it).
  mood!.setOverride(f.owner.id, { emotion: 'angry', until: Date.now() + 400 });
  await waitFor(() => eventsOf(owner.ws, 'participantMood').at(-1)?.emotion === 'angry' || undefined, 5000, 'angry pinned');
  await sleep(600);
  await waitFor(() => eventsOf(owner.ws, 'participantMood').at(-1)?.source === 'fused' || undefined, 5000, 'the override ran out');
  assert.equal(mood!.overrideOf(f.owner.id), undefined);
  await owner.ws.request('leave');
});

test('an override set before joining applies at join; others see it only as labels', async () => {
  const owner = await join(f.owner.token);
  const set = await api('PUT', '/api/me/settings', f.member.token, { moodOverride: { emotion: 'surprise', minutes: 2 } });
  assert.equal(set.statusCode, 200);
  const member = await join(f.member.token);
  const seen = await waitFor(
    () => eventsOf(owner.ws, 'participantMood').find((e) => e.participantId === member.participantId && e.source === 'override'),
    5000,
    "the member's override, seen by the owner",
  );
  assert.equal(seen.emotion, 'surprise');
  assert.equal('override' in seen, false, "the owner does not see the detail of another user's override");
  const own = await waitFor(
    () => eventsOf(member.ws, 'participantMood').find((e) => e.source === 'override'),
    5000,
    "the member's own view",
  );
  assert.equal((own.override as Data).emotion, 'surprise');
  await member.ws.request('leave');

  // As after a restart: the engine has forgotten it, the stored settings have not.
  server.app.services.mood!.setOverride(f.member.id, null);
  const again = await join(f.member.token);
  await waitFor(
    () =>
      eventsOf(again.ws, 'participantMood').find(
        (e) => e.participantId === again.participantId && e.source === 'override' && e.emotion === 'surprise',
      ),
    5000,
    'the stored override read at join',
  );
  await api('PUT', '/api/me/settings', f.member.token, { moodOverride: null });
  await again.ws.request('leave');
  await owner.ws.request('leave');
});

test("the owner's strategy from settings steers their room; a member's does not", async () => {
  const { director } = server.app.services.music!;
  const owner = await join(f.owner.token);
  assert.equal((await api('PUT', '/api/me/settings', f.member.token, { strategy: 'lift' })).statusCode, 200);
  assert.equal((await api('PUT', '/api/me/settings', f.owner.token, { strategy: 'calm' })).statusCode, 200);
  await waitFor(() => director.strategyOf(roomSession(f.roomId)) === 'calm' || undefined, 5000, "the owner's strategy");
  const pick = await server.app.services.music!.trackSource.next(f.roomId, 'next');
  assert.match(pick.explanation, /→ calm: /);
  await owner.ws.request('leave');
});

test('GET /api/music/search: words and points, nearest first; bad input and anonymous callers refused', async () => {
  const calm = await api('GET', '/api/music/search?q=calm', f.guest.token);
  assert.equal(calm.statusCode, 200, calm.body);
  const body = calm.json() as {
    target: { valence: number; arousal: number };
    tracks: {
      title: string;
      valence: number;
      arousal: number;
      distance: number;
      bpm: number;
      key: string;
      mode: string;
      emotion: string;
      id: string;
      artist: string;
    }[];
  };
  assert.deepEqual(body.target, { valence: 0.3, arousal: -0.6 });
  assert.equal(body.tracks.length, 20);
  assert.equal(body.tracks[0]!.title, 'Grid 4-1', 'the grid point at (0.3, -0.6)');
  assert.equal(body.tracks[0]!.distance, 0);
  const distances = body.tracks.map((t) => t.distance);
  assert.deepEqual(
    distances,
    [...distances].sort((a, b) => a - b),
  );
  assert.deepEqual(Object.keys(body.tracks[0]!).sort(), [
    'arousal',
    'artist',
    'bpm',
    'distance',
    'emotion',
    'id',
    'key',
    'mode',
    'title',
    'valence',
  ]);

  const point = (await api('GET', '/api/music/search?valence=-0.9&arousal=0.9&limit=3', f.member.token)).json() as typeof body;
  assert.deepEqual(
    point.tracks.map((t) => t.title),
    ['Grid 0-6', 'Grid 0-5', 'Grid 1-6'],
    'nearest first; equal distances by title',
  );

  const text = (await api('GET', '/api/music/search?q=energetic%20middle', f.member.token)).json() as typeof body;
  assert.ok(text.tracks.length === 7 && text.tracks.every((t) => t.artist === 'Middle Band'), 'other words match the artist');

  const status = async (query: string, token: string | null = f.member.token) =>
    (await api('GET', `/api/music/search${query}`, token ?? undefined)).statusCode;
  assert.equal(await status('?q=calm', null), 401);
  assert.equal(await status('?q=calm', `${f.member.token.slice(0, -3)}abc`), 401);
  assert.equal(await status('?valence=7', null), 401, 'signed in is checked first');
  assert.equal(await status(''), 400);
  assert.equal(await status('?valence=0.5'), 400, 'a point needs both coordinates');
  assert.equal(await status('?valence=2&arousal=0'), 400);
  assert.equal(await status('?valence=abc&arousal=0'), 400);
  assert.equal(await status('?q=calm&limit=0'), 400);
  assert.equal(await status('?q=calm&limit=101'), 400);
  assert.equal(await status('?q=%20%3F%21'), 400, 'no words');
  assert.equal(await status(`?q=${'a'.repeat(201)}`), 400);
  assert.match((await api('GET', '/api/music/search?valence=0.5', f.member.token)).json().error, /valence and arousal together/);
});
