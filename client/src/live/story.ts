/**
 * The plain-word story of the music and the room's mood, as the room page and the dashboard
 * show it (CONTRACTS §1–2). The server's `story` (music-story) is rendered as it comes; until a
 * track carries one, a sentence is made here from the fields every track has, so that nothing
 * a person reads carries model numbers. The numbers go behind a "details" disclosure.
 */
import type { NowPlayingView, RoomMoodView } from '../../../vocabulary/live-events.js';

/** What each emotion sounds like in a sentence a person would say. */
const MOOD_WORDS: Record<string, string> = {
  happy: 'cheerful',
  sad: 'a bit low',
  angry: 'tense',
  fear: 'anxious',
  surprise: 'surprised',
  disgust: 'put off',
  neutral: 'calm',
};

export function moodWord(emotion: string): string {
  return MOOD_WORDS[emotion] ?? emotion;
}

/** One sentence about why this track plays: the server's story, else one made from the track's fields. */
export function storySentence(track: NowPlayingView, mood?: RoomMoodView | null): string {
  if (track.story?.sentence) return track.story.sentence;
  const pinned = /\b(you set your mood to \w+|[^;(,]+ set their mood to \w+)/.exec(track.explanation)?.[1]?.trim();
  if (pinned) return `${capitalise(pinned)}, so the music follows that.`;
  const feel = musicFeel(track);
  const seemed = /seemed (\w+)/.exec(track.explanation)?.[1] ?? mood?.emotion;
  const who = (mood?.members ?? 1) > 1 ? 'The room seems' : /^you /i.test(track.explanation) ? 'You seem' : 'The room seems';
  const aim: Record<string, string> = {
    match: 'so the music matches it',
    lift: 'so the music lifts the mood a little',
    calm: 'so the music calms things down',
  };
  if (!seemed) return feel ? `This is a ${feel} track.` : 'This track plays for the room.';
  return `${who} ${moodWord(seemed)}, ${aim[track.strategy] ?? 'so the music follows it'}${feel ? `: a ${feel} track` : ''}.`;
}

/** "bright, upbeat" — the track's feel from its valence and arousal, in words; null for a track never analysed (no point to describe). */
function musicFeel(track: NowPlayingView): string | null {
  if (track.valence === null || track.arousal === null) return null;
  const energy = track.arousal >= 0.25 ? 'upbeat' : track.arousal <= -0.25 ? 'gentle' : 'easy-going';
  const tone = track.valence >= 0.25 ? 'bright' : track.valence <= -0.25 ? 'wistful' : '';
  return tone ? `${tone}, ${energy}` : energy;
}

/** The numbers behind the sentence, one short line each (shown only inside "details"). */
export function storyDetails(track: NowPlayingView): string[] {
  if (track.story?.details?.length) return track.story.details;
  const lines = [`Strategy: ${track.strategy}`, `Track valence ${fmt(track.valence)}, arousal ${fmt(track.arousal)}`];
  if (track.bpm) lines.push(`${Math.round(track.bpm)} BPM${track.key ? `, key ${track.key}` : ''}`);
  if (track.explanation) lines.push(`Recommender: ${track.explanation}`);
  return lines;
}

/** "in 1:05 (at 14:32)" in the viewer's own clock; "any moment now" once due. */
export function countdown(at: number, now = Date.now()): string {
  const left = Math.max(0, Math.round((at - now) / 1000));
  const clock = new Date(at).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  if (left === 0) return `any moment now (${clock})`;
  return `in ${Math.floor(left / 60)}:${String(left % 60).padStart(2, '0')} (at ${clock})`;
}

/** A time of day in the viewer's local time. */
export function localTime(at: number | string): string {
  return new Date(at).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}

function fmt(x: number | null | undefined): string {
  return typeof x === 'number' ? x.toFixed(2) : '–';
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

const AIMS: Record<string, string> = {
  match: 'the music matched it',
  lift: 'the music lifted it a little',
  calm: 'the music calmed things down',
};

/** A past pick's one-line explanation (with model numbers) as a sentence without them, for the history. */
export function plainExplanation(explanation: string, strategy: string): string {
  const pinned = /\b(you set your mood to \w+|[^;(,]+ set their mood to \w+)/.exec(explanation)?.[1]?.trim();
  if (pinned) return `${capitalise(pinned)}.`;
  const seemed = /(\w+) seemed (\w+)/.exec(explanation);
  const aim = AIMS[strategy] ?? 'the music followed it';
  if (!seemed) return capitalise(`${strategy}.`);
  const who = seemed[1] === 'you' ? 'You' : 'The room';
  return `${who} seemed ${moodWord(seemed[2]!)}, so ${aim}.`;
}
