/**
 * The product end to end: headless Chromium sends a camera clip of real happy faces, then real
 * sad faces (FER-2013, upscaled onto a larger canvas), with matching RAVDESS speech as the
 * microphone. The server decodes it, runs the face and voice models, fuses the mood, the
 * recommender picks accordingly (with an explanation that says why), and a second page listening
 * to the room through hls.js hears the new track.
 *
 * The library is four synthetic chord tracks whose moods come from a sidecar (a product feature:
 * curated labels), so "which track is audible" can be told from the spectrum in the listener's
 * browser and "which mood it was picked for" is unambiguous.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';

import type { Browser } from 'playwright-core';

import { importDirectory } from '../../server/music/importer.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { launchChromium } from '../helpers/browser.js';
import { heardChords, listenForChords } from '../helpers/listen-chords.js';
import { facesTheModelReads } from '../helpers/model-faces.js';
import { makeFaceClipSegments, makeSpeechTrack, sharedDataAvailable, speechClips, tempDir } from '../helpers/test-media.js';
import { CHORDS, toneTracks } from '../stream/fixtures.js';

const skip = sharedDataAvailable() ? false : 'needs ../shared/data';
const ROOM = 'e2e-room';
const HAPPY_S = 24;
const SAD_S = 50;
/** Sidecar moods of the four chord tracks (index = chord). */
const TRACK_MOODS = [
  { title: 'Bright chord', emotion: 'happy', valence: 0.8, arousal: 0.5 },
  { title: 'Low chord', emotion: 'sad', valence: -0.7, arousal: -0.5 },
  { title: 'Still chord', emotion: 'neutral', valence: 0.05, arousal: -0.2 },
  { title: 'Harsh chord', emotion: 'angry', valence: -0.6, arousal: 0.8 },
];

let server: TestApp;
let sender: Browser;
let listener: Browser;

before(async () => {
  if (skip) return;
  const dir = tempDir('moodify-e2e-');
  const clip = makeFaceClipSegments(
    [
      { images: await facesTheModelReads('happy', 8), seconds: HAPPY_S },
      { images: await facesTheModelReads('sad', 8), seconds: SAD_S },
    ],
    path.join(dir, 'faces.y4m'),
  );
  const speech = makeSpeechTrack(
    [
      { clips: speechClips(12, (r) => r.emotion === 'happy' && Number(r.actor) <= 12), seconds: HAPPY_S },
      { clips: speechClips(20, (r) => r.emotion === 'sad' && Number(r.actor) <= 12), seconds: SAD_S },
    ],
    path.join(dir, 'speech.wav'),
  );

  server = await startTestApp({ MEDIASOUP_WORKERS: '1', STREAM_IDLE_STOP_S: '120' });
  const library = path.join(dir, 'library');
  fs.mkdirSync(library);
  const tracks = toneTracks(4, 30);
  const sidecar = tracks.map((t, i) => {
    const file = `chord-${i}.flac`;
    fs.copyFileSync(t.filePath, path.join(library, file));
    return { file, artist: 'Moodify test tones', ...TRACK_MOODS[i] };
  });
  fs.writeFileSync(path.join(library, 'library.json'), JSON.stringify(sidecar));
  const summary = await importDirectory(server.app.services.database.db, library, { origin: 'import' });
  assert.equal(summary.imported, 4, JSON.stringify(summary));

  sender = await launchChromium({ videoFile: clip, audioFile: speech });
  listener = await launchChromium();
});

after(async () => {
  await sender?.close();
  await listener?.close();
  await server?.close();
});

test('faces and voice → fused mood → recommender pick → the listener hears the new track', { skip, timeout: 240000 }, async (t) => {
  const moods: { at: number; emotion: string; confidence: number; weights: { face: number; voice: number } }[] = [];
  const timed = { face: 0, voice: 0 };
  server.app.services.events.on('analysisResult', (e) => {
    if (e.roomId === ROOM && e.latencyMs >= 0) timed[e.modality]++;
  });
  const picked: string[] = [];
  server.app.services.events.on('trackPicked', (e) => {
    if (e.roomId === ROOM) picked.push(e.trackId);
  });
  server.app.services.events.on('participantMood', (e) => {
    if (e.roomId === ROOM) moods.push({ at: Date.now(), emotion: e.mood.emotion, confidence: e.mood.confidence, weights: e.mood.weights });
  });

  const capture = await sender.newPage();
  await capture.goto(`${server.url}/room/${ROOM}?autostart&name=e2e`);
  const startedAt = Date.now();

  const listen = await listener.newPage();
  await listen.goto(`${server.url}/listen/${ROOM}`);
  await listen.locator('moodify-player button', { hasText: 'Play' }).click();
  await listen.waitForFunction(
    () => {
      const player = document.querySelector('moodify-listen')?.shadowRoot?.querySelector('moodify-player') as unknown as {
        audio?: HTMLAudioElement;
      } | null;
      return (player?.audio?.currentTime ?? 0) > 0;
    },
    undefined,
    { timeout: 30000 },
  );
  await listenForChords(
    listen,
    CHORDS.map((c) => c[0]!),
  );

  const stream = () => server.app.streams.get(ROOM);
  const waitForPick = async (what: string, fits: (mood: (typeof TRACK_MOODS)[number]) => boolean, timeoutMs: number) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const entry = stream()?.history.find((e) => {
        const mood = TRACK_MOODS.find((m) => m.title === e.track.title);
        return mood !== undefined && fits(mood);
      });
      if (entry) return entry;
      assert.ok(
        Date.now() < deadline,
        `no ${what} pick within ${timeoutMs} ms; moods seen: ${summarise(moods)}; picks: ${stream()
          ?.history.map((e) => `${e.track.title} (${e.reason}: ${e.track.explanation})`)
          .join(' | ')}`,
      );
      await new Promise((r) => setTimeout(r, 250));
    }
  };

  // Happy faces and voice: the fused mood becomes happy, and a bright (positive-valence) track plays for it.
  const happyAt = await waitForMood(moods, 'happy', (HAPPY_S + 10) * 1000);
  t.diagnostic(`fused mood happy ${((happyAt - startedAt) / 1000).toFixed(1)} s after the page opened`);
  const happyPick = await waitForPick('happy', (m) => m.emotion === 'happy', 30000);
  assert.match(happyPick.track.explanation, /valence/, `the explanation names its numbers: "${happyPick.track.explanation}"`);
  // Then sad: the mood follows, the next pick is a negative-valence track, and the listener hears it.
  const sadAt = await waitForMood(moods, 'sad', SAD_S * 1000, happyAt);
  t.diagnostic(`fused mood sad ${((sadAt - startedAt) / 1000).toFixed(1)} s after the page opened`);
  // Which negative track fits depends on the fused arousal: sad faces with sad speech the voice
  // model reads partly as anger or disgust (it is 60 % accurate on unseen actors) land between the
  // low and the harsh chord (CI saw target -0.38, +0.24 → harsh). Either is a pick for the mood
  // that turned negative; the listener must then hear the one that was picked.
  const sadPick = await waitForPick('negative-valence', (m) => m.valence < 0, SAD_S * 1000);
  t.diagnostic(
    `picks: ${stream()!
      .history.map((e) => `${e.track.title} [${e.reason}] "${e.track.explanation}"`)
      .join(' → ')}`,
  );
  // The explanation names the room mood the pick was made for, with its numbers; that mood is the
  // group's (several readings, some of them disgust or anger from the voice), so it must be negative
  // rather than literally "sad".
  const because = /the room seemed (\w+) \((\d\.\d\d)\).*from mood (-?\d\.\d\d), (-?\d\.\d\d)/.exec(sadPick.track.explanation);
  assert.ok(because, `the explanation says why: "${sadPick.track.explanation}"`);
  assert.ok(Number(because[3]) < 0, `picked for a negative mood: "${sadPick.track.explanation}"`);

  const sadChord = TRACK_MOODS.findIndex((m) => m.title === sadPick.track.title);
  const deadline = Date.now() + 20000;
  let heardAt = 0;
  while (!heardAt && Date.now() < deadline) {
    const heard = await heardChords(listen);
    const recent = heard.filter(([at]) => at > Date.now() - 2000);
    if (recent.length >= 4 && recent.every(([, chord]) => chord === sadChord)) heardAt = Date.now();
    else await new Promise((r) => setTimeout(r, 500));
  }
  if (!heardAt) {
    // What the listener heard last (chord index per sample, newest last) and where its player stood.
    const lastHeard = (await heardChords(listen)).slice(-12).map(([at, chord]) => `${chord}@${new Date(at).toISOString().slice(17, 22)}`);
    const player = await listen.evaluate(
      `(() => { const p = document.querySelector('moodify-listen').shadowRoot.querySelector('moodify-player'); const a = p.audio; const b = []; for (let i = 0; i < a.buffered.length; i++) b.push(a.buffered.start(i).toFixed(1) + '-' + a.buffered.end(i).toFixed(1)); return JSON.stringify({ t: a.currentTime, paused: a.paused, readyState: a.readyState, buffered: b, status: p.status, sc: p.hls && p.hls.streamController ? p.hls.streamController.state : null }); })()`,
    );
    const audible = stream()
      ?.history.map((e) => `${e.track.title}@${new Date(e.audibleAtMs).toISOString().slice(17, 22)}`)
      .join(' ');
    assert.fail(
      `the listener page hears the pick for the negative mood (${sadPick.track.title}, chord ${sadChord}: its chord dominates the audio); heard ${lastHeard.join(' ')}; now ${new Date().toISOString().slice(17, 22)}; history ${audible}; player ${player}`,
    );
  }

  const happyMoods = moods.filter((m) => m.at - startedAt < HAPPY_S * 1000 && m.emotion === 'happy').length;
  const sadMoods = moods.filter((m) => m.emotion === 'sad').length;
  t.diagnostic(`moods: ${summarise(moods)}; happy readings in the happy part: ${happyMoods}, sad readings: ${sadMoods}`);
  assert.ok(
    moods.some((m) => m.weights.face > 0 && m.weights.voice > 0),
    'both modalities contributed',
  );
  // The timing events bench:e2e reads: every model result, and every pick before it is audible.
  assert.ok(timed.face > 0 && timed.voice > 0, `analysisResult events for both modalities: ${JSON.stringify(timed)}`);
  assert.ok(picked.includes(sadPick.track.trackId), 'the negative pick was announced as trackPicked');
  await capture.close();
  await listen.close();
});

async function waitForMood(moods: { at: number; emotion: string }[], emotion: string, timeoutMs: number, after = 0): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const hit = moods.find((m) => m.at > after && m.emotion === emotion);
    if (hit) return hit.at;
    assert.ok(Date.now() < deadline, `the fused mood never became ${emotion}: ${summarise(moods)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

function summarise(moods: { at: number; emotion: string }[]): string {
  const runs: string[] = [];
  let last = '';
  for (const m of moods) {
    if (m.emotion !== last) runs.push(`${m.emotion}@${new Date(m.at).toISOString().slice(17, 21)}`);
    last = m.emotion;
  }
  return runs.join(' ');
}
