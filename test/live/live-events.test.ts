/**
 * Live events over the signalling WebSocket (server/signalling/PROTOCOL.md, "Live events"), on
 * the real app with accounts on: moods from the engine (driven through
 * app.services.mood.observe, as the analysis pipeline does) reach joined sockets and watchers,
 * throttled; only the same user's sockets get the per-modality detail; watching is authorised
 * like listening (member token or listener link) and ends when the link is revoked; presence,
 * roomMood and nowPlaying arrive and are in the join / watch replies.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';

import { SignallingWs } from '../../bench/lib/ws-client.js';
import { type RoomFixture, roomFixture } from '../accounts/fixtures.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { waitFor } from '../helpers/server-process.js';

let server: TestApp;
let wsUrl: string;
let f: RoomFixture;
const sockets: SignallingWs[] = [];

before(async () => {
  server = await startTestApp({ ALLOW_ANONYMOUS_ROOMS: 'false', MEDIASOUP_WORKERS: '1' });
  wsUrl = server.url.replace('http', 'ws') + '/ws';
  f = await roomFixture(server.app);
});
after(async () => {
  await Promise.all(sockets.map((s) => s.close()));
  await server?.close();
});

async function connect(): Promise<SignallingWs> {
  const ws = await SignallingWs.connect(wsUrl);
  sockets.push(ws);
  return ws;
}

type Data = Record<string, unknown>;
const eventsOf = (ws: SignallingWs, name: string) => ws.events.filter((e) => e.event === name).map((e) => e.data as Data);
const happy = { probabilities: [0.02, 0, 0.01, 0.85, 0.02, 0.05, 0.05], confidence: 0.9 };
const DETAIL_KEYS = ['probabilities', 'face', 'voice', 'weights', 'override'];

test('moods, presence and now playing reach joined sockets and watchers; the detail only the same user', async () => {
  const owner = await connect();
  const joined = await owner.request<{ participantId: string; roomMood: unknown; nowPlaying: unknown }>('join', {
    roomId: f.roomId,
    token: f.owner.token,
  });
  assert.equal((joined.roomMood as Data).status, 'listening', 'someone is in, nobody read yet');
  assert.equal((joined.roomMood as Data).emotion, null);
  assert.equal(joined.nowPlaying, null);
  const member = await connect();
  const memberJoined = await member.request<{ participantId: string }>('join', { roomId: f.roomId, token: f.member.token });
  await waitFor(() => eventsOf(owner, 'presence').find((p) => (p.members as Data[]).length === 2), 5000, 'presence with both members');

  // The owner's second device (a dashboard) and a TV with a listener link watch without media.
  const ownerDash = await connect();
  const watched = await ownerDash.request<{ roomId: string; members: Data[]; roomMood: unknown; recent: unknown[] }>('watch', {
    roomId: f.roomId,
    token: f.owner.token,
  });
  assert.equal(watched.roomId, f.roomId);
  assert.deepEqual(watched.members.map((m) => m.displayName).sort(), ['Member', 'Owner']);
  assert.ok(
    watched.members.every((m) => typeof m.userId === 'string' && typeof m.since === 'number' && m.camera === false && m.mic === false),
  );
  assert.deepEqual(watched.recent, []);
  const tv = await connect();
  const tvWatch = await tv.request<{ members: Data[] }>('watch', { roomId: f.roomId, token: f.linkToken });
  assert.ok(
    tvWatch.members.every((m) => m.userId === undefined),
    'a listener link learns no user ids',
  );

  // Presence follows the microphone: on when produced, off when paused.
  const transport = await owner.request<{ id: string }>('createPlainTransport');
  const producer = await owner.request<{ id: string }>('produce', {
    transportId: transport.id,
    kind: 'audio',
    rtpParameters: { codecs: [{ mimeType: 'audio/opus', payloadType: 100, clockRate: 48000, channels: 2 }], encodings: [{ ssrc: 4242 }] },
  });
  const ownerMic = (ws: SignallingWs) =>
    (eventsOf(ws, 'presence').at(-1)?.members as Data[] | undefined)?.find((m) => m.displayName === 'Owner')?.mic;
  await waitFor(() => (ownerMic(tv) === true && ownerMic(member) === true) || undefined, 5000, "presence: the owner's microphone on");
  await owner.request('pauseProducer', { producerId: producer.id });
  await waitFor(() => ownerMic(member) === false || undefined, 5000, "presence: the owner's microphone paused");
  await owner.request('closeProducer', { producerId: producer.id });

  // The owner is seen smiling: 20 readings over 3.8 s of engine time, delivered in one burst.
  const mood = server.app.services.mood!;
  const start = Date.now() - 4000;
  for (let i = 0; i < 20; i++) {
    mood.observe({
      roomId: f.roomId,
      participantId: joined.participantId,
      userId: f.owner.id,
      modality: 'face',
      reading: happy,
      t: start + i * 200,
    });
  }
  const isHappyOwner = (e: Data) => e.participantId === joined.participantId && e.emotion === 'happy';
  for (const ws of [owner, ownerDash, member, tv]) {
    await waitFor(() => eventsOf(ws, 'participantMood').find(isHappyOwner), 5000, 'the latest (happy) mood after the burst');
    await waitFor(() => eventsOf(ws, 'roomMood').find((e) => e.emotion === 'happy' && e.members === 1), 5000, 'a happy room mood');
  }
  // The owner's own sockets get the per-modality detail …
  for (const ws of [owner, ownerDash]) {
    const e = eventsOf(ws, 'participantMood').find(isHappyOwner)!;
    assert.equal((e.probabilities as number[]).length, 7);
    assert.equal((e.face as number[]).length, 7);
    assert.equal(e.voice, null);
    assert.ok(Math.abs((e.weights as { face: number }).face - 1) < 1e-6, 'face alone carries the weight');
    assert.equal(e.override, null);
    assert.equal(e.source, 'fused');
    assert.equal(e.displayName, 'Owner');
  }
  // … another member and the TV only the labels.
  for (const ws of [member, tv]) {
    for (const e of eventsOf(ws, 'participantMood')) {
      assert.deepEqual(
        DETAIL_KEYS.filter((k) => k in e),
        [],
        `no per-modality detail for another user: ${JSON.stringify(e)}`,
      );
      assert.equal(typeof e.emotion, 'string');
      assert.equal(typeof e.valence, 'number');
    }
  }
  assert.equal(eventsOf(member, 'participantMood').find(isHappyOwner)!.userId, f.owner.id, 'members may know who is who');
  assert.equal(eventsOf(tv, 'participantMood').find(isHappyOwner)!.userId, undefined, 'a link does not');
  // Throttled: 20 readings in one burst are at most the first and the trailing latest.
  const burst = eventsOf(member, 'participantMood').filter((e) => e.participantId === joined.participantId);
  assert.ok(burst.length <= 3, `at most ~2/s per participant: ${burst.length}`);
  assert.ok(eventsOf(member, 'roomMood').filter((e) => e.status === 'mood').length <= 3, 'at most ~1/s per room');

  // A dashboard opened now starts with the owner's last minutes (their own detail only).
  const lateDash = await connect();
  const late = await lateDash.request<{ recent: Data[]; roomMood: Data }>('watch', { roomId: f.roomId, token: f.owner.token });
  assert.ok(
    late.recent.length >= 1 && late.recent.every((s) => s.participantId === joined.participantId && Array.isArray(s.probabilities)),
  );
  const times = late.recent.map((s) => s.t as number);
  assert.deepEqual(
    times,
    [...times].sort((a, b) => a - b),
    'oldest first',
  );
  assert.equal(late.roomMood.emotion, 'happy');
  const memberDash = await connect();
  const memberView = await memberDash.request<{ recent: Data[] }>('watch', { roomId: f.roomId, token: f.member.token });
  assert.deepEqual(memberView.recent, [], "another user never gets the owner's samples");

  // What becomes audible is announced when it does, with its strategy; later joins get it in the reply.
  const audibleAtMs = Date.now() + 400;
  server.app.services.events.emit('trackStarted', {
    roomId: f.roomId,
    reason: 'start',
    audibleAtMs,
    track: {
      trackId: 'track-1',
      title: 'Song for a Room',
      artist: 'Band',
      durationS: 180,
      explanation: 'the room seemed happy (0.90) → match: …',
      valence: 0.6,
      arousal: 0.4,
      bpm: 124,
      key: 'G',
    },
  });
  const announced = await waitFor(() => eventsOf(tv, 'nowPlaying')[0], 5000, 'nowPlaying');
  assert.ok(Date.now() >= audibleAtMs - 50, 'not before it is audible');
  assert.equal(announced.title, 'Song for a Room');
  assert.equal(announced.strategy, 'match');
  assert.equal(announced.startedAt, audibleAtMs);
  const owner2 = await connect();
  const join2 = await owner2.request<{ nowPlaying: Data; roomMood: Data }>('join', { roomId: f.roomId, token: f.owner.token });
  assert.equal(join2.nowPlaying.trackId, 'track-1');
  assert.equal(join2.roomMood.emotion, 'happy');
  await owner2.request('leave');
  await waitFor(
    () =>
      (eventsOf(member, 'presence').at(-1)?.members && (eventsOf(member, 'presence').at(-1)!.members as Data[]).length === 2) || undefined,
    5000,
    'presence after a leave',
  );

  // unwatch stops the events; leaving stops them for a joined socket.
  await ownerDash.request('unwatch');
  await member.request('leave');
  const counts = [ownerDash, member].map((ws) => eventsOf(ws, 'participantMood').length);
  const tvBefore = eventsOf(tv, 'participantMood').length;
  mood.observe({ roomId: f.roomId, participantId: joined.participantId, userId: f.owner.id, modality: 'face', reading: happy });
  await waitFor(() => eventsOf(tv, 'participantMood').length > tvBefore || undefined, 5000, 'the TV still watching');
  await sleep(700);
  assert.deepEqual(
    [ownerDash, member].map((ws) => eventsOf(ws, 'participantMood').length),
    counts,
  );
  void memberJoined;
  await owner.request('leave');
});

test("a capture device asks for its own moods only: others' participantMood stays away, roomMood still has everyone, watching brings them back", async () => {
  const capture = await connect();
  const mine = await capture.request<{ participantId: string }>('join', { roomId: f.roomId, token: f.member.token, moods: 'own' });
  const other = await connect();
  const theirs = await other.request<{ participantId: string }>('join', { roomId: f.roomId, token: f.owner.token });
  const mood = server.app.services.mood!;
  const read = (participantId: string, userId: string) =>
    mood.observe({ roomId: f.roomId, participantId, userId, modality: 'face', reading: happy });
  read(theirs.participantId, f.owner.id);
  read(mine.participantId, f.member.id);
  const moodsAbout = (ws: SignallingWs, participantId: string) =>
    eventsOf(ws, 'participantMood').filter((e) => e.participantId === participantId);
  await waitFor(() => moodsAbout(other, mine.participantId)[0], 5000, "a default socket gets the other member's mood");
  await waitFor(() => moodsAbout(capture, mine.participantId)[0], 5000, 'the capture socket gets its own mood');
  assert.ok(
    DETAIL_KEYS.every((k) => k in moodsAbout(capture, mine.participantId)[0]!),
    'its own, with the detail',
  );
  await waitFor(
    () =>
      eventsOf(capture, 'roomMood').find((r) =>
        (r.memberMoods as Data[] | undefined)?.some((m) => m.participantId === theirs.participantId && m.counted === true),
      ),
    5000,
    "the other member's mood in roomMood",
  );
  assert.equal(moodsAbout(capture, theirs.participantId).length, 0, 'no participantMood about the other member');

  // the same socket watching the room gets everyone's again
  await capture.request('watch', { roomId: f.roomId, token: f.member.token });
  await sleep(600); // past the participant throttle
  read(theirs.participantId, f.owner.id);
  await waitFor(() => moodsAbout(capture, theirs.participantId)[0], 5000, 'a watching socket gets every mood');
  await capture.request('unwatch');
  await capture.request('leave');
  await other.request('leave');
});

test('watching is authorised like listening: codes for each refusal; a revoked link ends the watch', async () => {
  const ws = await connect();
  const code = async (data: Data) => (await ws.call('watch', data)).error?.code;
  assert.equal(await code({ roomId: f.roomId }), 'unauthorized');
  assert.equal(await code({ roomId: f.roomId, token: `${f.member.token.slice(0, -3)}abc` }), 'unauthorized');
  assert.equal(await code({ roomId: f.roomId, token: f.otherUser.token }), 'forbidden', 'a non-member cannot watch');
  assert.equal(await code({ roomId: f.roomId, token: f.revokedLinkToken }), 'forbidden');
  assert.equal(await code({ roomId: f.roomId, token: f.inviteToken }), 'forbidden', 'an invite is not a listener link');
  assert.equal(await code({ roomId: f.closedRoomId, token: f.member.token }), 'room-not-found');
  assert.equal(await code({ roomId: '6f1c1c38-3f5a-4c1e-9a43-0c8f1b1f0000', token: f.member.token }), 'room-not-found');
  assert.equal(await code({ roomId: '../etc', token: f.member.token }), 'invalid-params');
  assert.equal(await code({ roomId: f.roomId, token: f.member.token, extra: 1 }), 'invalid-params');
  assert.equal(ws.events.length, 0, 'a refused watcher hears nothing');

  // A guest (invited, no account) is a member and may watch.
  const guest = await connect();
  assert.equal((await guest.call('watch', { roomId: f.roomId, token: f.guest.token })).ok, true);

  // The link's watch ends when the owner revokes it; the socket is told and hears no more.
  const tv = await connect();
  assert.equal((await tv.call('watch', { roomId: f.roomId, token: f.linkToken })).ok, true);
  assert.equal((await tv.call('watch', { roomId: f.closedRoomId, token: f.linkToken })).error?.code, 'already-watching');
  const revoked = await server.app.inject({
    method: 'DELETE',
    url: `/api/rooms/${f.roomId}/listener-links/${f.linkId}`,
    headers: { authorization: `Bearer ${f.owner.token}` },
  });
  assert.equal(revoked.statusCode, 204);
  const ended = await waitFor(() => eventsOf(tv, 'unwatched')[0], 5000, 'unwatched');
  assert.equal(ended.roomId, f.roomId);
  assert.match(String(ended.reason), /revoked/);
  server.app.services.events.emit('roomMood', {
    roomId: f.roomId,
    t: Date.now(),
    mood: {
      emotion: 'sad',
      confidence: 0.9,
      valence: -0.6,
      arousal: -0.3,
      members: 1,
      mean: { valence: -0.6, arousal: -0.3 },
      guardedFor: [],
    },
  });
  await waitFor(() => eventsOf(guest, 'roomMood').find((e) => e.emotion === 'sad'), 5000, 'the guest still watching');
  assert.equal(eventsOf(tv, 'roomMood').filter((e) => e.emotion === 'sad').length, 0);
  assert.equal((await tv.call('watch', { roomId: f.roomId, token: f.linkToken })).error?.code, 'forbidden');

  // Removing a member ends their watch; closing the room ends everyone's.
  const removedMember = await connect();
  assert.equal((await removedMember.call('watch', { roomId: f.roomId, token: f.otherMember.token })).ok, true);
  const removal = await server.app.inject({
    method: 'DELETE',
    url: `/api/rooms/${f.roomId}/members/${f.otherMember.id}`,
    headers: { authorization: `Bearer ${f.owner.token}` },
  });
  assert.equal(removal.statusCode, 204);
  assert.match(String((await waitFor(() => eventsOf(removedMember, 'unwatched')[0], 5000, 'unwatched on removal')).reason), /removed/);
  assert.equal(eventsOf(guest, 'unwatched').length, 0, 'the others keep watching');
  const closed = await server.app.inject({
    method: 'POST',
    url: `/api/rooms/${f.roomId}/close`,
    headers: { authorization: `Bearer ${f.owner.token}` },
  });
  assert.equal(closed.statusCode, 204);
  assert.match(String((await waitFor(() => eventsOf(guest, 'unwatched')[0], 5000, 'unwatched on close')).reason), /closed/);
});
