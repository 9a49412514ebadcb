/** Sentences about the music: one per kind of decision, in plain words, never a digit. */
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { FER_LABELS } from '../../vocabulary/emotions.js';
import { STRATEGIES } from './recommender.js';
import {
  type PickCause,
  type PickDecision,
  pickDetails,
  pickSentence,
  type StoryMood,
  type WaitingCause,
  waitingSentence,
} from './story.js';

const mood = (emotion: string, members = 1, extra: Partial<StoryMood> = {}): StoryMood => ({
  status: 'mood',
  emotion,
  members,
  overrides: [],
  ...extra,
});
const decide = (over: Partial<PickDecision>): PickDecision => ({
  subject: 'room',
  cause: 'next',
  strategy: 'match',
  mood: mood('happy'),
  ...over,
});

test("the issue's example: two cheerful people, match", () => {
  assert.equal(pickSentence(decide({ mood: mood('happy', 2) })), "You both look cheerful, so we're keeping it upbeat.");
});

test('who is spoken to follows how many were read and whether they agree', () => {
  assert.match(pickSentence(decide({ mood: mood('happy', 1) })), /^You look cheerful/);
  assert.match(pickSentence(decide({ mood: mood('happy', 3) })), /^You all look cheerful/);
  assert.match(pickSentence(decide({ mood: mood('happy', 3, { agreeing: 2 }) })), /^Most of you look cheerful/);
  assert.match(pickSentence(decide({ mood: mood('sad', 4, { agreeing: 2 }) })), /^The room feels a bit down overall/);
  assert.match(pickSentence(decide({ subject: 'listener', mood: mood('sad', 1) })), /^You look a bit down/);
});

test('strategies say what the music does', () => {
  assert.equal(
    pickSentence(decide({ strategy: 'lift', mood: mood('sad') })),
    "You look a bit down, so we're lifting things with something brighter.",
  );
  assert.equal(
    pickSentence(decide({ strategy: 'calm', mood: mood('angry', 2) })),
    "You both look wound up, so we're winding down with something calmer.",
  );
  assert.equal(pickSentence(decide({ strategy: 'calm', mood: mood('sad') })), "You look a bit down, so we're keeping it calm.");
  assert.equal(
    pickSentence(decide({ strategy: 'lift', mood: mood('happy') })),
    "You look cheerful, so we're keeping it bright and upbeat.",
  );
});

test('overrides: alone, it is what you told us; among others, who pinned what (no clock time)', () => {
  const alone = pickSentence(decide({ mood: mood('sad', 1, { overrides: [{ emotion: 'sad', displayName: 'Ada' }] }) }));
  assert.equal(alone, "You told us you feel sad, so we're keeping it soft and gentle.");
  const among = pickSentence(decide({ mood: mood('happy', 3, { agreeing: 2, overrides: [{ emotion: 'sad', displayName: 'Ada' }] }) }));
  assert.equal(among, "Most of you look cheerful, and Ada set their mood to sad, so we're keeping it upbeat.");
  const two = pickSentence(
    decide({ mood: mood('neutral', 3, { overrides: [{ emotion: 'fear', displayName: 'Ada' }, { emotion: 'sad' }] }) }),
  );
  assert.match(two, /Ada and someone set their moods to anxious or sad/);
});

test('first pick: after a reading, after waiting in vain, and for an empty room', () => {
  assert.equal(
    pickSentence(decide({ cause: 'first', mood: mood('happy', 2) })),
    "You both look cheerful, so we're starting with something upbeat.",
  );
  assert.equal(
    pickSentence(decide({ cause: 'first', mood: { status: 'listening', emotion: 'neutral', members: 0, overrides: [] } })),
    "We couldn't read the room yet, so we're starting with something easy-going.",
  );
  assert.equal(
    pickSentence(decide({ cause: 'first', mood: { status: 'empty', emotion: 'neutral', members: 0, overrides: [] } })),
    "Nobody's in the room yet, so we're starting with something easy-going.",
  );
});

test('skip, mood change, queued track, journey steps and arrival', () => {
  assert.equal(
    pickSentence(decide({ cause: 'skip', mood: mood('happy', 2) })),
    "That one was skipped. You both look cheerful, so we're keeping it upbeat.",
  );
  assert.equal(
    pickSentence(decide({ cause: 'mood', mood: mood('sad', 2) })),
    "The mood changed: you both look a bit down now, so we're keeping it soft and gentle.",
  );
  assert.equal(
    pickSentence(decide({ cause: 'mood', mood: mood('sad', 1, { overrides: [{ emotion: 'sad' }] }) })),
    "You told us you feel sad, so we're keeping it soft and gentle.",
    'a pinned mood is no news',
  );
  assert.equal(pickSentence(decide({ cause: 'queued', queuedBy: 'Ada' })), 'Ada picked this one to play next.');
  assert.equal(pickSentence(decide({ cause: 'queued' })), 'Someone picked this one to play next.');
  assert.equal(
    pickSentence(decide({ journey: { label: 'calm', step: 2, steps: 5 }, mood: mood('happy', 2) })),
    "Step two of five towards calm: you both look cheerful, so we're moving a little closer.",
  );
  assert.equal(
    pickSentence(decide({ journey: { label: 'calm', step: 5, steps: 5 }, mood: mood('neutral') })),
    "You look settled; we've arrived at calm, so we're staying there.",
  );
  assert.equal(
    pickSentence(
      decide({
        journey: { label: 'focus', step: 1, steps: 3 },
        mood: { status: 'listening', emotion: 'neutral', members: 0, overrides: [] },
      }),
    ),
    'Step one of three towards focus.',
  );
});

test('waiting sentences name the change, never when (the client counts down)', () => {
  assert.equal(
    waitingSentence({ kind: 'sensed', from: { valence: 0.8, arousal: 0.5 }, to: { valence: 0.5, arousal: -0.4 } }),
    'The room has calmed down; something calmer comes next.',
  );
  assert.equal(
    waitingSentence({ kind: 'sensed', from: { valence: 0, arousal: -0.5 }, to: { valence: 0.1, arousal: 0.4 } }),
    'The room has livened up; something livelier comes next.',
  );
  assert.equal(
    waitingSentence({ kind: 'sensed', from: { valence: -0.6, arousal: 0 }, to: { valence: 0.5, arousal: 0.1 } }),
    'The room has brightened up; something brighter comes next.',
  );
  assert.equal(
    waitingSentence({ kind: 'sensed', from: { valence: 0.6, arousal: 0 }, to: { valence: -0.5, arousal: 0.1 } }),
    'The mood has dropped a little; something gentler comes next.',
  );
  assert.equal(
    waitingSentence({ kind: 'override', emotion: 'sad', alone: true }),
    'You told us you feel sad; something to match comes next.',
  );
  assert.equal(
    waitingSentence({ kind: 'override', emotion: 'happy', displayName: 'Ada', alone: false }),
    'Ada set their mood to happy; something to match comes next.',
  );
  assert.equal(waitingSentence({ kind: 'queued', by: 'Ada' }), "Ada's pick starts once this one has played a little longer.");
  assert.equal(waitingSentence({ kind: 'journey', label: 'calm', step: 3, steps: 5 }), 'Step three of five towards calm comes next.');
});

test('no sentence of any kind carries a digit or a raw number, for every emotion, count, strategy and cause', () => {
  const causes: PickCause[] = ['first', 'next', 'mood', 'skip', 'queued'];
  const statuses: StoryMood['status'][] = ['mood', 'listening', 'empty'];
  const sentences: string[] = [];
  for (const emotion of FER_LABELS) {
    for (const strategy of STRATEGIES) {
      for (const cause of causes) {
        for (const status of statuses) {
          for (const members of [1, 2, 5]) {
            for (const agreeing of [1, members]) {
              for (const overrides of [[], [{ emotion, displayName: 'Ada' }], [{ emotion: 'sad' }, { emotion, displayName: 'Bo' }]]) {
                for (const journey of [null, { label: 'calm', step: 1, steps: 12 }, { label: 'party', step: 12, steps: 12 }]) {
                  sentences.push(
                    pickSentence({
                      subject: members === 1 ? 'listener' : 'room',
                      cause,
                      strategy,
                      mood: { status, emotion, members, agreeing, overrides },
                      journey,
                      queuedBy: 'Ada',
                    }),
                  );
                }
              }
            }
          }
        }
      }
    }
    const waits: WaitingCause[] = [
      { kind: 'override', emotion, alone: true },
      { kind: 'override', emotion, displayName: 'Ada', alone: false },
      { kind: 'sensed', from: { valence: 0.3, arousal: 0.2 }, to: { valence: -0.3, arousal: -0.7 } },
      { kind: 'queued' },
      { kind: 'journey', label: 'calm', step: 11, steps: 12 },
    ];
    sentences.push(...waits.map(waitingSentence));
  }
  assert.ok(sentences.length > 5000);
  for (const s of sentences) {
    assert.doesNotMatch(s, /\d/, s);
    assert.doesNotMatch(s, /UTC|valence|arousal|target|distance|undefined|null|NaN/i, s);
    assert.match(s, /^[A-Z].*\.$/, `one sentence, capitalised, with a full stop: ${s}`);
  }
});

test('details hold the numbers, one short line each', () => {
  const lines = pickDetails({
    mood: { emotion: 'happy', confidence: 0.82, valence: 0.71, arousal: 0.44, members: 2, status: 'mood' },
    strategy: 'match',
    target: { valence: 0.7, arousal: 0.4 },
    track: { valence: 0.6, arousal: 0.38, bpm: 124.4, key: 'G', mode: 'major' },
    distance: 0.1,
    journey: { label: 'calm', step: 2, steps: 5 },
    overrides: [{ emotion: 'sad', displayName: 'Ada' }],
    liked: true,
  });
  assert.deepEqual(lines, [
    'Room mood: happy, confidence 0.82, valence 0.71, arousal 0.44, 2 counted',
    'Strategy: match, journey to calm step 2/5',
    'Target: valence 0.70, arousal 0.40',
    'Track: valence 0.60, arousal 0.38, 124 BPM, G major',
    'Distance from target: 0.10',
    'Override: Ada pinned sad',
    'Liked here before',
  ]);
});
