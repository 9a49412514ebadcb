/**
 * Sentences a person would say about the music, made from the structured decision the director
 * took (why this track, what the room seems to feel, the strategy, an override, a journey step,
 * a skip, a queued track, the first pick) — never from model numbers or clock times: those go
 * into `details`, which the client shows only behind a "details" disclosure. Pure and templated,
 * so every kind of decision is tested (story.test.ts), including that no sentence holds a digit.
 */
import type { MoodPoint } from '../../vocabulary/circumplex.js';
import type { Strategy } from './recommender.js';

/** Why a pick happened: the stream's reason, or a queued track ("Play next"). */
export type PickCause = 'first' | 'next' | 'mood' | 'skip' | 'queued';

/** What the room seemed to feel when the pick was made. */
export interface StoryMood {
  /** 'mood': a confident reading; 'listening': people present, nothing confident yet; 'empty': nobody there. */
  status: 'mood' | 'listening' | 'empty';
  emotion: string;
  /** Members counted in the mood. */
  members: number;
  /** Of those, how many share `emotion` (absent: all of them). */
  agreeing?: number;
  /** Members who pinned their mood (override). */
  overrides: readonly { emotion: string; displayName?: string }[];
}

export interface PickDecision {
  /** A room (spoken to as "you" / "you both" / "you all") or one listener. */
  subject: 'room' | 'listener';
  cause: PickCause;
  strategy: Strategy;
  mood: StoryMood;
  /** The steered journey at pick time. */
  journey?: { label: string; step: number; steps: number } | null;
  /** Who queued the track ("Play next"); undefined: someone. */
  queuedBy?: string;
}

/** How a sensed mood looks, in everyday words ("You look cheerful"). */
const LOOKS: Record<string, string> = {
  happy: 'cheerful',
  sad: 'a bit down',
  angry: 'wound up',
  fear: 'on edge',
  disgust: 'put off',
  surprise: 'excited',
  neutral: 'settled',
};

/** How a pinned mood is said ("Ada set their mood to anxious"). */
const FEELS: Record<string, string> = {
  happy: 'happy',
  sad: 'sad',
  angry: 'angry',
  fear: 'anxious',
  disgust: 'fed up',
  surprise: 'surprised',
  neutral: 'neutral',
};

/** Music that stays with a mood ("so we're keeping it upbeat"). */
const MATCHING: Record<string, string> = {
  happy: 'upbeat',
  sad: 'soft and gentle',
  angry: 'strong and driving',
  fear: 'low-key',
  disgust: 'moody',
  surprise: 'lively',
  neutral: 'easy-going',
};

const NUMBER_WORDS = [
  'zero',
  'one',
  'two',
  'three',
  'four',
  'five',
  'six',
  'seven',
  'eight',
  'nine',
  'ten',
  'eleven',
  'twelve',
  'thirteen',
  'fourteen',
  'fifteen',
  'sixteen',
  'seventeen',
  'eighteen',
  'nineteen',
  'twenty',
];

/** Small counts in words ("step two of five"); journeys have at most twelve steps. */
export function numberWord(n: number): string {
  return NUMBER_WORDS[n] ?? (n > 20 ? 'many' : 'no');
}

const looks = (emotion: string) => LOOKS[emotion] ?? 'hard to read';
const feels = (emotion: string) => FEELS[emotion] ?? emotion;
const capitalise = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** "You look cheerful", "You both look cheerful", "Most of you look a bit down", "Ada set their mood to sad". */
export function moodPhrase(mood: StoryMood, subject: PickDecision['subject']): string | undefined {
  if (mood.status !== 'mood') return undefined;
  const pinned = mood.overrides;
  if (pinned.length > 0 && mood.members <= 1) return `You told us you feel ${feels(pinned[0]!.emotion)}`;
  const sensed = sensedPhrase(mood, subject);
  if (pinned.length === 0) return sensed;
  const names = pinned.map((o) => o.displayName ?? 'someone');
  const who = names.length === 1 ? names[0]! : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
  const pinnedMoods = [...new Set(pinned.map((o) => feels(o.emotion)))].join(' or ');
  return `${sensed}, and ${who} set ${pinned.length === 1 ? 'their mood' : 'their moods'} to ${pinnedMoods}`;
}

function sensedPhrase(mood: StoryMood, subject: PickDecision['subject']): string {
  const word = looks(mood.emotion);
  const n = mood.members;
  const agreeing = mood.agreeing ?? n;
  if (subject === 'listener' || n <= 1) return `You look ${word}`;
  if (agreeing >= n) return n === 2 ? `You both look ${word}` : `You all look ${word}`;
  if (agreeing * 2 > n) return `Most of you look ${word}`;
  return `The room feels ${word} overall`;
}

/** What the music does about it, as the end of a sentence ("keeping it upbeat"). */
function strategyClause(decision: PickDecision, starting: boolean): string {
  const { strategy, mood } = decision;
  const emotion = mood.status === 'mood' ? mood.emotion : 'neutral';
  if (strategy === 'lift') {
    if (emotion === 'happy') return starting ? 'starting bright and upbeat' : 'keeping it bright and upbeat';
    return starting ? 'starting with something brighter' : 'lifting things with something brighter';
  }
  if (strategy === 'calm') {
    if (emotion === 'sad' || emotion === 'neutral') return starting ? 'starting calm and quiet' : 'keeping it calm';
    return starting ? 'starting with something calmer' : 'winding down with something calmer';
  }
  return starting ? `starting with something ${MATCHING[emotion] ?? 'easy-going'}` : `keeping it ${MATCHING[emotion] ?? 'easy-going'}`;
}

/** The one sentence for a pick. */
export function pickSentence(decision: PickDecision): string {
  const phrase = moodPhrase(decision.mood, decision.subject);
  const journey = decision.journey;
  if (decision.cause === 'queued') {
    const who = decision.queuedBy ?? 'Someone';
    return `${who} picked this one to play next.`;
  }
  if (journey) {
    const where = phrase ? `${phrase}; ` : '';
    if (journey.step >= journey.steps) return capitalise(`${where}we've arrived at ${journey.label}, so we're staying there.`);
    return `Step ${numberWord(journey.step)} of ${numberWord(journey.steps)} towards ${journey.label}${phrase ? `: ${lowerFirst(phrase)}, so we're moving a little closer` : ''}.`;
  }
  if (decision.cause === 'first') {
    if (decision.mood.status === 'empty') return `Nobody's in the room yet, so we're ${strategyClause(decision, true)}.`;
    if (!phrase) return `We couldn't read the room yet, so we're ${strategyClause(decision, true)}.`;
    return `${phrase}, so we're ${strategyClause(decision, true)}.`;
  }
  if (decision.cause === 'skip') {
    return phrase
      ? `That one was skipped. ${phrase}, so we're ${strategyClause(decision, false)}.`
      : `That one was skipped, so here's something else.`;
  }
  if (!phrase) {
    return decision.mood.status === 'empty'
      ? `Nobody's in the room, so we're ${strategyClause(decision, false)}.`
      : `We can't read the room right now, so we're ${strategyClause(decision, false)}.`;
  }
  // A sensed change is news ("the mood changed"); a pinned mood is what the person just said.
  const pinnedAlone = decision.mood.overrides.length > 0 && decision.mood.members <= 1;
  if (decision.cause === 'mood' && !pinnedAlone)
    return `The mood changed: ${lowerFirst(phrase)} now, so we're ${strategyClause(decision, false)}.`;
  return `${phrase}, so we're ${strategyClause(decision, false)}.`;
}

/** "you look …" inside a sentence; names and "You" as a pronoun keep their capital only at the start. */
function lowerFirst(phrase: string): string {
  return /^(You|Most|The)\b/.test(phrase) ? phrase.charAt(0).toLowerCase() + phrase.slice(1) : phrase;
}

/** What the room waits for, said plainly (the client adds the countdown from `at`). */
export type WaitingCause =
  | { kind: 'sensed'; from: MoodPoint; to: MoodPoint }
  | { kind: 'override'; emotion: string; displayName?: string; alone: boolean }
  | { kind: 'queued'; by?: string }
  | { kind: 'journey'; label: string; step: number; steps: number };

export function waitingSentence(cause: WaitingCause): string {
  switch (cause.kind) {
    case 'queued':
      return `${cause.by ? `${cause.by}'s pick` : 'The song picked to play next'} starts once this one has played a little longer.`;
    case 'journey':
      return cause.step >= cause.steps
        ? `The last step towards ${cause.label} comes next.`
        : `Step ${numberWord(cause.step)} of ${numberWord(cause.steps)} towards ${cause.label} comes next.`;
    case 'override':
      return cause.alone
        ? `You told us you feel ${feels(cause.emotion)}; something to match comes next.`
        : `${cause.displayName ?? 'Someone'} set their mood to ${feels(cause.emotion)}; something to match comes next.`;
    case 'sensed': {
      const dv = cause.to.valence - cause.from.valence;
      const da = cause.to.arousal - cause.from.arousal;
      if (Math.abs(da) >= Math.abs(dv)) {
        return da < 0
          ? 'The room has calmed down; something calmer comes next.'
          : 'The room has livened up; something livelier comes next.';
      }
      return dv > 0
        ? 'The room has brightened up; something brighter comes next.'
        : 'The mood has dropped a little; something gentler comes next.';
    }
  }
}

const f2 = (x: number) => x.toFixed(2);

/** The numbers behind a pick, one short line each (for the "details" disclosure). */
export function pickDetails(input: {
  mood: { emotion: string; confidence: number; valence: number; arousal: number; members?: number; status?: string };
  strategy: Strategy;
  target: MoodPoint;
  track: { valence: number; arousal: number; bpm: number; key: string; mode: string };
  distance: number;
  journey?: { step: number; steps: number; label: string } | null;
  overrides?: readonly { emotion: string; displayName?: string }[];
  freshnessRelaxed?: boolean;
  liked?: boolean;
}): string[] {
  const { mood, target, track } = input;
  const lines = [
    mood.status && mood.status !== 'mood'
      ? `Room mood: none yet (${mood.status}), picked from valence ${f2(mood.valence)}, arousal ${f2(mood.arousal)}`
      : `Room mood: ${mood.emotion}, confidence ${f2(mood.confidence)}, valence ${f2(mood.valence)}, arousal ${f2(mood.arousal)}${mood.members !== undefined ? `, ${mood.members} counted` : ''}`,
    `Strategy: ${input.strategy}${input.journey ? `, journey to ${input.journey.label} step ${input.journey.step}/${input.journey.steps}` : ''}`,
    `Target: valence ${f2(target.valence)}, arousal ${f2(target.arousal)}`,
    `Track: valence ${f2(track.valence)}, arousal ${f2(track.arousal)}, ${Math.round(track.bpm)} BPM, ${track.key} ${track.mode}`,
    `Distance from target: ${f2(input.distance)}`,
  ];
  for (const o of input.overrides ?? []) lines.push(`Override: ${o.displayName ?? 'someone'} pinned ${o.emotion}`);
  if (input.liked) lines.push('Liked here before');
  if (input.freshnessRelaxed) lines.push('Every track was played recently: the least recent one was taken');
  return lines;
}
