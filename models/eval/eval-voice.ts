/**
 * npm run eval:voice -- [DIR] [--limit N] [--actors 13-16|all] [--model voice/FILE.onnx] [--speaker online|enrolled|cold]
 *
 * DIR is laid out like ../shared/data/speech: a labels.csv with at least `file` and `emotion` (RAVDESS
 * names: neutral, calm, happy, sad, angry, fearful, disgust, surprised) and optionally `actor`; WAV files
 * 16 kHz 16-bit PCM. Each clip goes through the live path (Silero VAD gating, 2 s windows every 500 ms,
 * speech-emotion model) and the window probabilities are averaged per clip.
 * Default DIR is ../shared/data/speech (actors 01-16). The shipped model (version 3) was fit on all 16 dev
 * actors, so a score on that directory is in-sample: the honest figures are the actor-grouped CV in
 * models/voice/ser_speaker_lr.md; this command is for held-out directories (and for --model files trained on
 * fewer actors, with --actors 13-16). Default --actors: all.
 * --model evaluates another speech model file (relative to models/) in place of the shipped one.
 * --speaker (speaker-adaptive models; needs a `speaker` or `actor` column) says what the model knows of each voice:
 *   online   (default) the product's case: each speaker's clips in a fixed shuffled order, each clip scored
 *            against that speaker's earlier clips' speech and then added to it; the first clip is a cold start
 *   enrolled every clip scored against a profile of all of that speaker's clips (unlabelled), as after a long session
 *   cold     every clip on its own, against the population prior (a participant's first seconds)
 * Prints a table (8 classes and the 7-class FER mapping); the last line is one JSON object.
 */
import fs from 'node:fs';
import path from 'node:path';

import { FER_LABELS } from '../../vocabulary/emotions.js';
import { RAVDESS_LABELS, RAVDESS_TO_FER } from '../voice/labels.js';
import type { SpeakerProfile } from '../voice/speaker-profile.js';
import { SER_FILE, VoiceAnalyzer } from '../voice/voice-analyzer.js';
import { readWav } from '../voice/wav.js';
import { computeMetrics, expectedCalibrationError, fixedSubset, formatTable, parseArgs, parseCsv } from './metrics.js';

async function main() {
  const { positional, flags } = parseArgs(process.argv.slice(2));
  const defaultDir = path.resolve('../shared/data/speech');
  const dir = path.resolve(positional[0] ?? defaultDir);
  const limit = flags.limit ? Number(flags.limit) : 0;
  const actorsFlag = typeof flags.actors === 'string' ? flags.actors : 'all';
  let actorOk = (_a: number) => true;
  if (actorsFlag !== 'all') {
    const m = /^(\d+)-(\d+)$/.exec(actorsFlag);
    if (!m) throw new Error('--actors must be like 13-16, or all');
    const [lo, hi] = [Number(m[1]), Number(m[2])];
    actorOk = (a) => a >= lo && a <= hi;
  }
  const csv = path.join(dir, 'labels.csv');
  if (!fs.existsSync(csv)) throw new Error(`${csv} not found (need file,emotion[,actor] columns)`);
  let rows = parseCsv(fs.readFileSync(csv, 'utf8')).filter((r) => actorOk(Number(r.actor ?? 0)) || r.actor === undefined);
  rows = fixedSubset(rows, limit, (r) => r.file!);
  const serFile = typeof flags.model === 'string' ? flags.model : undefined;
  const va = await VoiceAnalyzer.create({ maxWaitMs: 0, ...(serFile && { serFile }) });
  const speakerMode = typeof flags.speaker === 'string' ? flags.speaker : 'online';
  if (!['online', 'enrolled', 'cold'].includes(speakerMode)) throw new Error('--speaker must be online, enrolled or cold');
  const adaptive = va.speakerDim > 0;
  const speakerOf = (r: Record<string, string>) => r.speaker ?? r.actor ?? '';
  if (adaptive && speakerMode !== 'cold') {
    if (rows.some((r) => !speakerOf(r)))
      throw new Error(`${csv}: --speaker ${speakerMode} needs a speaker (or actor) column; use --speaker cold`);
    rows = speakerOrder(rows, speakerOf);
  }
  const profiles = new Map<string, SpeakerProfile>();
  const profileOf = (r: Record<string, string>): SpeakerProfile => {
    const key = speakerOf(r);
    if (!profiles.has(key)) profiles.set(key, va.newSpeakerProfile()!);
    return profiles.get(key)!;
  };
  if (adaptive && speakerMode === 'enrolled') {
    for (const r of rows) await va.analyzeClip(readWav(path.join(dir, r.file!)).samples, { speaker: profileOf(r) });
  }
  const speakerFor = (r: Record<string, string>): SpeakerProfile | undefined => {
    if (!adaptive || speakerMode === 'cold') return undefined;
    return speakerMode === 'enrolled' ? profileOf(r).clone() : profileOf(r);
  };
  const truth8: number[] = [];
  const pred8: number[] = [];
  const truth7: number[] = [];
  const pred7: number[] = [];
  // clip probabilities for calibration; a clip without speech has no reading and is left out of the ECE
  const probs8: number[][] = [];
  const probsTruth8: number[] = [];
  let noSpeech = 0;
  const t0 = performance.now();
  for (const r of rows) {
    const t = RAVDESS_LABELS.indexOf(r.emotion as never);
    if (t < 0) throw new Error(`${csv}: unknown emotion "${r.emotion}" for ${r.file}`);
    const wav = readWav(path.join(dir, r.file!));
    if (wav.sampleRate !== 16000)
      throw new Error(`${r.file}: ${wav.sampleRate} Hz; the model needs 16 kHz (resample with ffmpeg -ar 16000)`);
    const speaker = speakerFor(r);
    const res = await va.analyzeClip(wav.samples, speaker ? { speaker } : {});
    truth8.push(t);
    truth7.push(FER_LABELS.indexOf(RAVDESS_TO_FER[RAVDESS_LABELS[t]!]));
    if (res.status === 'ok') {
      pred8.push(RAVDESS_LABELS.indexOf(res.label8));
      pred7.push(FER_LABELS.indexOf(res.label));
      probs8.push(res.probabilities8);
      probsTruth8.push(t);
    } else {
      noSpeech++;
      // no speech found: counted as wrong (a class that is not the truth)
      pred8.push((t + 1) % 8);
      pred7.push((FER_LABELS.indexOf(RAVDESS_TO_FER[RAVDESS_LABELS[t]!]) + 1) % 7);
    }
  }
  const ms = performance.now() - t0;
  va.close();
  const m8 = computeMetrics(RAVDESS_LABELS, truth8, pred8);
  const m7 = computeMetrics(FER_LABELS, truth7, pred7);
  const ece = expectedCalibrationError(probs8, probsTruth8);
  const speakerNote = adaptive ? `, speaker profile ${speakerMode}` : '';
  console.log(
    `speech emotion eval: ${dir} (${rows.length} clips, actors ${actorsFlag}${limit ? `, fixed subset --limit ${limit}` : ''}${speakerNote})`,
  );
  console.log(formatTable('8 RAVDESS classes', m8));
  console.log(formatTable('7 FER classes (calm+neutral → neutral)', m7));
  console.log(`clips where VAD found no speech (counted wrong): ${noSpeech}`);
  console.log(`expected calibration error (10 bins, 8 classes, clip probabilities): ${ece.toFixed(4)}`);
  if (dir === defaultDir)
    console.log(
      'note: the shipped speech model was fit on all 16 dev actors: scores on this directory are in-sample (grouped-CV figures: models/voice/ser_speaker_lr.md)',
    );
  console.log(`time: ${(ms / 1000).toFixed(1)} s (${(ms / Math.max(1, rows.length)).toFixed(1)} ms per clip)`);
  console.log(
    JSON.stringify({
      n: m8.n,
      accuracy: m8.accuracy,
      macro_f1: m8.macro_f1,
      ece,
      per_class_recall: m8.per_class_recall,
      confusion: m8.confusion,
      labels: RAVDESS_LABELS,
      fer7: { accuracy: m7.accuracy, macro_f1: m7.macro_f1, per_class_recall: m7.per_class_recall, confusion: m7.confusion },
      no_speech: noSpeech,
      actors: actorsFlag,
      model: serFile ?? SER_FILE,
      speaker_profile: adaptive ? speakerMode : null,
    }),
  );
}

/** Clips grouped by speaker, each speaker's clips in a fixed pseudo-random order (not the file order, which is sorted by emotion). */
function speakerOrder(rows: Record<string, string>[], speakerOf: (r: Record<string, string>) => string): Record<string, string>[] {
  const hash = (s: string) => {
    let h = 2166136261;
    for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619) >>> 0;
    return h;
  };
  return [...rows].sort(
    (a, b) => speakerOf(a).localeCompare(speakerOf(b)) || hash(a.file!) - hash(b.file!) || a.file!.localeCompare(b.file!),
  );
}

main().catch((e) => {
  console.error(`eval:voice failed: ${(e as Error).message}`);
  process.exit(1);
});
