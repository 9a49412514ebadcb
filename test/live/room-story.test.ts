/**
 * Issue #13 "A room that plays", the story side, on the real app with a real room stream (ffmpeg,
 * tone tracks uploaded into the library) and the live events a TV watching by listener link gets:
 *  - the room is "listening" until someone is read, and the first track waits for that reading
 *    (it used to be picked at neutral at once);
 *  - every nowPlaying carries a plain-word story; a pinned mood shows on the room mood, and
 *    while the minimum dwell holds the change, story.waiting says what comes and when (epoch ms);
 *  - "Play next" on a search result plays it next, and a destination starts a journey whose
 *    steps are in the story and the room mood's target; clearing it ends it;
 *  - the last one out leaves the room "empty", with no mood.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';

import { SignallingWs } from '../../bench/lib/ws-client.js';
import { type RoomFixture, roomFixture } from '../accounts/fixtures.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { waitFor } from '../helpers/server-process.js';
import { toneTracks } from '../stream/fixtures.js';

const DWELL_S = 5;
let server: TestApp;
let f: RoomFixture;
const sockets: SignallingWs[] = [];

before(async () => {
  server = await startTestApp({ ALLOW_ANONYMOUS_ROOMS: 'false', MEDIASOUP_WORKERS: '1', MUSIC_MIN_DWELL_S: String(DWELL_S) });
  f = await roomFixture(server.app);
  const form = new FormData();
  for (const track of toneTracks(4, 60))
    form.append('file', new Blob([new Uint8Array(fs.readFileSync(track.filePath))]), `${track.trackId}.flac`);
  const imported = await fetch(`${server.url}/api/music/import`, {
    method: 'POST',
    body: form,
    headers: { authorization: `Bearer ${f.owner.token}` },
  });
  assert.equal(imported.status, 201, await imported.clone().text());
});
after(async () => {
  await Promise.all(sockets.map((s) => s.close()));
  await server?.close();
});

type Data = Record<string, unknown>;
type Story = { sentence: string; details: string[]; waiting: { sentence: string; at: number } | null; journey: Data | null };
const eventsOf = (ws: SignallingWs, name: string) => ws.events.filter((e) => e.event === name).map((e) => e.data as Data);
const storyOf = (e: Data) => e.story as Story;
const happy = { probabilities: [0.02, 0, 0.01, 0.85, 0.02, 0.05, 0.05], confidence: 0.9 };

async function connect(): Promise<SignallingWs> {
  const ws = await SignallingWs.connect(server.url.replace('http', 'ws') + '/ws');
  sockets.push(ws);
  return ws;
}

const api = (method: 'PUT' | 'POST' | 'DELETE', url: string, token: string, payload?: Data) =>
  server.app.inject({ method, url, headers: { authorization: `Bearer ${token}` }, ...(payload ? { payload } : {}) });

test(
  'listening first, a first track for the room as read, waits and steering told in plain words, an empty room at the end',
  { timeout: 240_000 },
  async () => {
    const tv = await connect();
    await tv.request('watch', { roomId: f.roomId, token: f.linkToken });
    const owner = await connect();
    const joinedAt = Date.now();
    const joined = await owner.request<{ participantId: string }>('join', { roomId: f.roomId, token: f.owner.token });

    // Someone is in, nobody has been read: "listening", no mood, the member listed.
    const listening = await waitFor(() => eventsOf(tv, 'roomMood').find((e) => e.status === 'listening'), 5000, 'a listening room');
    assert.equal(listening.emotion, null);
    assert.equal(listening.valence, null);
    assert.deepEqual(
      (listening.memberMoods as Data[]).map((m) => [m.displayName, m.counted]),
      [['Owner', false]],
    );

    // The owner is read as happy two seconds in; the first track waited for it.
    await sleep(2000);
    const mood = server.app.services.mood!;
    const start = Date.now() - 4000;
    for (let i = 0; i < 20; i++)
      mood.observe({
        roomId: f.roomId,
        participantId: joined.participantId,
        userId: f.owner.id,
        modality: 'face',
        reading: happy,
        t: start + i * 200,
      });
    const readAt = Date.now();
    const first = await waitFor(() => eventsOf(tv, 'nowPlaying')[0], 40_000, 'the first track');
    assert.match(String(first.explanation), /happy/, `picked for the happy room, not at neutral: ${first.explanation}`);
    assert.equal(storyOf(first).sentence, "You look cheerful, so we're starting with something upbeat.");
    assert.ok(
      storyOf(first).details.some((l) => /^Room mood: happy, confidence 0\.\d\d/.test(l)),
      'the numbers behind a disclosure',
    );
    assert.equal(storyOf(first).waiting, null);
    assert.ok(readAt - joinedAt < 10_000 + 3000);
    const roomMood = await waitFor(
      () => eventsOf(tv, 'roomMood').find((e) => e.status === 'mood' && e.emotion === 'happy'),
      5000,
      'a happy room mood',
    );
    assert.deepEqual(
      (roomMood.memberMoods as Data[]).map((m) => [m.displayName, m.emotion, m.counted]),
      [['Owner', 'happy', true]],
    );
    assert.equal(roomMood.override, null);
    const target = roomMood.target as { valence: number; arousal: number };
    assert.ok(Math.abs(target.valence - (roomMood.valence as number)) < 1e-3, 'match: the music aims at the mood itself');

    // A pinned mood shows on the room mood; the switch waits for the dwell, and says so.
    const pinned = await api('PUT', '/api/me/settings', f.owner.token, { moodOverride: { emotion: 'sad', minutes: 10 } });
    assert.equal(pinned.statusCode, 200, pinned.body);
    const withOverride = await waitFor(
      () => eventsOf(tv, 'roomMood').find((e) => (e.override as Data | null)?.emotion === 'sad'),
      5000,
      'the override on the room mood',
    );
    const override = withOverride.override as Data;
    assert.equal(override.displayName, 'Owner');
    assert.ok(typeof override.until === 'number' && (override.until as number) > Date.now() + 9 * 60_000, 'until as epoch ms');
    const waiting = await waitFor(
      () => eventsOf(tv, 'nowPlaying').find((e) => e.trackId === first.trackId && storyOf(e).waiting),
      5000,
      'the wait, told',
    );
    assert.equal(storyOf(waiting).waiting!.sentence, 'You told us you feel sad; something to match comes next.');
    const at = storyOf(waiting).waiting!.at;
    assert.ok(
      Math.abs(at - ((first.startedAt as number) + DWELL_S * 1000)) < 1500,
      `may switch when the dwell ends: ${at - (first.startedAt as number)} ms after the start`,
    );
    assert.equal(waiting.startedAt, first.startedAt, 'the same track, announced again');
    const sad = await waitFor(
      () => eventsOf(tv, 'nowPlaying').find((e) => e.trackId !== first.trackId),
      30_000,
      'the pick for the pinned mood',
    );
    assert.equal(storyOf(sad).sentence, "You told us you feel sad, so we're keeping it soft and gentle.");
    assert.ok((sad.startedAt as number) >= at, 'not before the wait was over');
    assert.equal(storyOf(sad).waiting, null);

    // Steering: refused without membership or with bad input; "Play next" plays the track next.
    const tracks = (await (await fetch(`${server.url}/api/music/tracks`)).json()) as { tracks: { trackId: string; title: string }[] };
    const next = tracks.tracks.find((t) => t.trackId !== sad.trackId && t.trackId !== first.trackId)!;
    assert.equal((await api('POST', `/api/music/rooms/${f.roomId}/queue`, f.otherUser.token, { trackId: next.trackId })).statusCode, 403);
    assert.equal(
      (await api('POST', `/api/music/rooms/${f.roomId}/queue`, f.owner.token, { trackId: '00000000-0000-0000-0000-000000000000' }))
        .statusCode,
      404,
    );
    assert.equal(
      (await api('PUT', `/api/music/rooms/${f.roomId}/destination`, f.owner.token, { valence: 2, arousal: 0, minutes: 10 })).statusCode,
      400,
    );
    assert.equal(
      (
        await api('PUT', `/api/music/rooms/${f.roomId}/destination`, f.owner.token, {
          valence: 0,
          arousal: 0,
          minutes: 10,
          label: 'calm <b>2</b>',
        })
      ).statusCode,
      400,
    );
    const queued = await api('POST', `/api/music/rooms/${f.roomId}/queue`, f.owner.token, { trackId: next.trackId });
    assert.equal(queued.statusCode, 202, queued.body);
    assert.equal(queued.json().title, next.title);
    const played = await waitFor(() => eventsOf(tv, 'nowPlaying').find((e) => e.trackId === next.trackId), 30_000, 'the queued track');
    assert.equal(storyOf(played).sentence, 'Owner picked this one to play next.');
    assert.ok(
      eventsOf(tv, 'nowPlaying').some(
        (e) =>
          e.trackId === sad.trackId && storyOf(e).waiting?.sentence === "Owner's pick starts once this one has played a little longer.",
      ),
      'the wait for it was told',
    );

    // A destination: a journey of five steps to calm, in the story and in the room mood's target.
    const set = await api('PUT', `/api/music/rooms/${f.roomId}/destination`, f.owner.token, {
      valence: 0.3,
      arousal: -0.6,
      minutes: 10,
      label: 'calm',
    });
    assert.equal(set.statusCode, 200, set.body);
    const journey = set.json().journey as { steps: number; step: number; from: { valence: number; arousal: number }; to: Data };
    assert.equal(journey.steps, 5);
    assert.equal(journey.step, 1);
    const announced = await waitFor(
      () => eventsOf(tv, 'nowPlaying').find((e) => (storyOf(e).journey as Data | null)?.label === 'calm'),
      5000,
      'the journey in the story',
    );
    assert.deepEqual(storyOf(announced).journey, set.json().journey);
    const stepOne = await waitFor(
      () =>
        eventsOf(tv, 'nowPlaying').find((e) =>
          /^Step one of five towards calm: you told us you feel sad, so we're moving a little closer\.$/.test(storyOf(e).sentence),
        ),
      30_000,
      'the first step played',
    );
    assert.ok(storyOf(stepOne).details.some((l) => l.includes('journey to calm step 1/5')));
    const before = eventsOf(tv, 'roomMood').length;
    mood.observe({ roomId: f.roomId, participantId: joined.participantId, userId: f.owner.id, modality: 'face', reading: happy });
    const steered = await waitFor(
      () =>
        eventsOf(tv, 'roomMood')
          .slice(before)
          .find((e) => e.target),
      5000,
      'a room mood with the journey target',
    );
    const expected = {
      valence: journey.from.valence + (0.3 - journey.from.valence) / 5,
      arousal: journey.from.arousal + (-0.6 - journey.from.arousal) / 5,
    };
    const got = steered.target as { valence: number; arousal: number };
    assert.ok(
      Math.abs(got.valence - expected.valence) < 0.01 && Math.abs(got.arousal - expected.arousal) < 0.01,
      `${JSON.stringify(got)} vs ${JSON.stringify(expected)}`,
    );
    const cleared = await api('DELETE', `/api/music/rooms/${f.roomId}/destination`, f.owner.token);
    assert.equal(cleared.statusCode, 200);
    await waitFor(
      () => (eventsOf(tv, 'nowPlaying').at(-1) && storyOf(eventsOf(tv, 'nowPlaying').at(-1)!).journey === null) || undefined,
      5000,
      'the journey ended in the story',
    );
    const nowPlaying = (await api('DELETE', `/api/music/rooms/${f.roomId}/destination`, f.owner.token)).json();
    assert.equal(nowPlaying.cleared, false, 'nothing left to clear');
    const rest = await fetch(`${server.url}/api/rooms/${f.roomId}/now-playing?lt=${f.linkToken}`);
    const restBody = (await rest.json()) as { story: Story | null };
    assert.equal(typeof restBody.story?.sentence, 'string', 'GET now-playing carries the story');

    // The last one out: the watcher is told the room is empty, with no mood beside it.
    await owner.request('leave');
    const empty = await waitFor(() => eventsOf(tv, 'roomMood').find((e) => e.status === 'empty'), 5000, 'an empty room');
    assert.equal(empty.emotion, null);
    assert.deepEqual(empty.memberMoods, []);
    assert.equal(empty.override, null);
  },
);
