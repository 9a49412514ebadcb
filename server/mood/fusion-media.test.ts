/**
 * Fusion on paired real media (issue #17 acceptance): FER-2013 faces through the live face path (camera-like
 * canvas → BlazeFace → crop → mini-Xception) and RAVDESS speech through the live voice path (Silero-gated
 * windows → speaker-adaptive model, each actor's profile learnt clip by clip), paired by emotion, fused by the
 * default MoodFusion (measured calibration and per-class reliability) over a 3 s burst of readings.
 *
 * Caveat, stated where the figures are printed: the shipped speech model was fit on all 16 dev actors, so
 * its readings here are in-sample (its honest, actor-grouped CV figures are in models/voice/ser_speaker_lr.md);
 * FER PublicTest, used here for faces, is the split the face temperature was fit on.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

import { argmax } from '../../models/argmax.js';
import { parseCsv } from '../../models/eval/metrics.js';
import { faceOnCanvas, readGray } from '../../models/face/decode.js';
import { FaceAnalyzer } from '../../models/face/face-analyzer.js';
import type { SpeakerProfile } from '../../models/voice/speaker-profile.js';
import { VoiceAnalyzer } from '../../models/voice/voice-analyzer.js';
import { readWav } from '../../models/voice/wav.js';
import { CIRCUMPLEX } from '../../vocabulary/circumplex.js';
import { FER_LABELS, type FerLabel } from '../../vocabulary/emotions.js';
import { MoodFusion } from './fusion.js';
import type { ModalityReading } from './types.js';

const DATA = path.resolve(new URL('../../..', import.meta.url).pathname, 'shared/data');
const PER_CLASS = 6;
const ACTORS = ['03', '08', '13', '16']; // two male, two female; their clips interleaved so each profile learns online

function everyNth<T>(items: T[], n: number): T[] {
  return Array.from({ length: n }, (_, i) => items[Math.floor((i * items.length) / n)]!);
}

/** Three seconds of readings at 5 per second (the face model's rate), then the fused mood. */
function fuse(face: ModalityReading | null, voice: ModalityReading | null) {
  const fusion = new MoodFusion();
  let mood = fusion.last;
  for (let t = 0; t <= 3000; t += 200) mood = fusion.update({ t, face, voice });
  return mood;
}

test(
  'fusion of paired real face and voice readings: at least as accurate as the better modality; "not sure" on strong conflicts',
  {
    skip:
      !fs.existsSync(path.join(DATA, 'fer/labels.csv')) || !fs.existsSync(path.join(DATA, 'speech/labels.csv'))
        ? 'no ../shared/data'
        : false,
    timeout: 180_000,
  },
  async (t) => {
    const faceRows = parseCsv(fs.readFileSync(path.join(DATA, 'fer/labels.csv'), 'utf8')).filter((r) => r.dup_in_fer_train !== '1');
    const speechRows = parseCsv(fs.readFileSync(path.join(DATA, 'speech/labels.csv'), 'utf8')).filter((r) =>
      ACTORS.includes(r.actor!.padStart(2, '0')),
    );
    const fa = await FaceAnalyzer.create({ maxWaitMs: 0 });
    const va = await VoiceAnalyzer.create({ maxWaitMs: 0 });
    const faces = new Map<FerLabel, ModalityReading[]>();
    const voices = new Map<FerLabel, ModalityReading[]>();
    try {
      for (const label of FER_LABELS) {
        const rows = everyNth(
          faceRows.filter((r) => r.label === label).sort((a, b) => a.file!.localeCompare(b.file!)),
          PER_CLASS,
        );
        const readings: ModalityReading[] = [];
        for (const [i, r] of rows.entries()) {
          const res = await fa.analyze(faceOnCanvas(readGray(path.join(DATA, 'fer', r.file!)), { participantId: `${label}${i}` }));
          assert.equal(res.status, 'ok', `no face found in ${r.file}`);
          if (res.status === 'ok') readings.push({ probabilities: res.probabilities, confidence: res.confidence });
        }
        faces.set(label, readings);
      }
      // Voice: per class PER_CLASS clips spread over the actors; every actor's clips run in one interleaved
      // order through that actor's profile, as a participant who talks for a while.
      const chosen = FER_LABELS.flatMap((label) =>
        everyNth(
          speechRows.filter((r) => r.fer_label === label).sort((a, b) => a.file!.localeCompare(b.file!)),
          PER_CLASS,
        ).map((r) => ({ r, label })),
      );
      const order = [...chosen].sort((a, b) => (a.r.file!.split('-')[3]! + a.r.file!).localeCompare(b.r.file!.split('-')[3]! + b.r.file!));
      const profiles = new Map<string, SpeakerProfile>();
      for (const label of FER_LABELS) voices.set(label, []);
      for (const { r, label } of order) {
        if (!profiles.has(r.actor!)) profiles.set(r.actor!, va.newSpeakerProfile()!);
        const res = await va.analyzeClip(readWav(path.join(DATA, 'speech', r.file!)).samples, { speaker: profiles.get(r.actor!)! });
        // what the analysis pipeline hands fusion: the probabilities, and top probability × speaker reliability
        voices
          .get(label)!
          .push(
            res.status === 'ok'
              ? { probabilities: res.probabilities, confidence: res.confidence * res.reliability }
              : { probabilities: [1, 1, 1, 1, 1, 1, 1], confidence: 0 },
          );
      }
    } finally {
      fa.close();
      va.close();
    }

    // Same emotion on both: accuracy of face alone, voice alone (single readings' top class) and the fused mood.
    let faceRight = 0;
    let voiceRight = 0;
    let fusedRight = 0;
    let agreeUnsure = 0;
    let unsureRight = 0;
    let n = 0;
    for (const label of FER_LABELS) {
      const truth = FER_LABELS.indexOf(label);
      faces.get(label)!.forEach((face, i) => {
        const voice = voices.get(label)![i]!;
        const mood = fuse(face, voice);
        n++;
        faceRight += Number(argmax(face.probabilities) === truth);
        voiceRight += Number(voice.confidence > 0 && argmax(voice.probabilities) === truth);
        fusedRight += Number(mood.emotion === label);
        agreeUnsure += Number(mood.unsure);
        unsureRight += Number(mood.unsure && mood.emotion === label);
      });
    }
    // Conflicting emotions: a face and a voice of emotions with valence of opposite sign (happy face, sad voice…).
    let conflicts = 0;
    let conflictUnsure = 0;
    let strong = 0;
    let strongUnsure = 0;
    for (const fl of FER_LABELS) {
      for (const vl of FER_LABELS) {
        if (!(CIRCUMPLEX[fl].valence * CIRCUMPLEX[vl].valence < 0)) continue;
        faces.get(fl)!.forEach((face, i) => {
          const voice = voices.get(vl)![i]!;
          const mood = fuse(face, voice);
          conflicts++;
          conflictUnsure += Number(mood.unsure);
          // strong: each modality names its own (opposite) emotion as its top class, confidently after calibration
          const probe = new MoodFusion();
          const calibratedFace = probe.calibrate('face', face);
          if (
            argmax(face.probabilities) === FER_LABELS.indexOf(fl) &&
            voice.confidence > 0 &&
            argmax(voice.probabilities) === FER_LABELS.indexOf(vl) &&
            Math.min(calibratedFace.confidence, voice.confidence) >= probe.options.conflictConfidence
          ) {
            strong++;
            strongUnsure += Number(mood.unsure);
          }
        });
      }
    }
    const pct = (a: number, b: number) => `${((100 * a) / Math.max(1, b)).toFixed(1)} %`;
    const sureRight = fusedRight - unsureRight;
    t.diagnostic(
      `same emotion, ${n} pairs: face ${pct(faceRight, n)}, voice ${pct(voiceRight, n)} (in-sample speech model), fused ${pct(fusedRight, n)}; not sure ${pct(agreeUnsure, n)}; fused right when sure ${pct(sureRight, n - agreeUnsure)}, when not sure ${pct(unsureRight, agreeUnsure)}`,
    );
    t.diagnostic(
      `opposite-valence pairs: ${conflicts}, not sure ${pct(conflictUnsure, conflicts)}; strong conflicts (both right and confident) ${strong}, not sure ${pct(strongUnsure, strong)}`,
    );
    assert.ok(
      fusedRight >= Math.max(faceRight, voiceRight),
      `fused ${fusedRight}/${n} must be at least the better modality (face ${faceRight}, voice ${voiceRight})`,
    );
    assert.ok(strong >= 5, `too few strong conflicts to judge (${strong})`);
    assert.equal(strongUnsure, strong, 'every strong conflict reads "not sure"');
    assert.ok(
      conflictUnsure / conflicts > agreeUnsure / n,
      `"not sure" must be more common on conflicting pairs (${pct(conflictUnsure, conflicts)}) than on agreeing ones (${pct(agreeUnsure, n)})`,
    );
    // the flag separates: a reading given as sure is right more often than one given as not sure
    assert.ok(
      sureRight / Math.max(1, n - agreeUnsure) > unsureRight / Math.max(1, agreeUnsure),
      'sure readings must be more accurate than unsure ones',
    );
  },
);
