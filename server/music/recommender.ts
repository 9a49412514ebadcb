/**
 * Pure track scoring: no I/O, no clock of its own, so it is fast (a linear scan of plain
 * objects; see bench/recommend.ts) and tests drive it directly. MUSIC.md documents the rules.
 *
 * target  = the mood moved one step toward the strategy's goal (iso principle: start where the
 *           listener is, never jump): match stays, lift raises valence, calm lowers arousal.
 * cost    = distance(track, target) in (valence, arousal)
 *         + tempo term (|bpm − bpm suited to the target arousal|)
 *         + smoothness term (|bpm − previous track's bpm|)
 *         + feedback term (like lowers it, skip raises it, dislike rules the track out).
 * Tracks played within the freshness window (last N picks or T minutes) are not candidates.
 */
import { distance, type MoodPoint } from '../../vocabulary/circumplex.js';

export type Strategy = 'match' | 'lift' | 'calm';
export const STRATEGIES: readonly Strategy[] = ['match', 'lift', 'calm'];
export type FeedbackKind = 'like' | 'skip' | 'dislike';

export interface CatalogTrack {
  trackId: string;
  filePath: string;
  title: string;
  artist: string | null;
  durationS: number;
  loudnessLufs: number;
  valence: number;
  arousal: number;
  bpm: number;
  key: string;
  mode: string;
  emotion: string;
  /** Licence of the recording, when known (shown with what is playing). */
  license?: string | null;
}

export interface MoodReading extends MoodPoint {
  emotion: string;
  confidence: number;
  /** Members whose mood override (a pinned emotion) made this mood; the explanation names them. */
  overrides?: readonly PinnedMood[];
  /** How many members the (group) mood counted. */
  members?: number;
  /** Of those, how many share `emotion` (the group label is their vote). */
  agreeing?: number;
  /** 'mood' (default): a confident reading; 'listening': members present, none confident yet; 'empty': nobody there. */
  status?: 'mood' | 'listening' | 'empty';
}

export interface PinnedMood {
  emotion: string;
  /** Epoch ms when the override runs out. */
  until: number;
  displayName?: string;
}

export interface PlayRecord {
  trackId: string;
  /** ms */
  at: number;
}

/** Feedback counts per track for whoever the pick is for (a listener, or a room's members summed). */
export type FeedbackTally = ReadonlyMap<string, { like: number; skip: number; dislike: number }>;

export interface RecommenderOptions {
  /** Largest move of the target away from the current mood, per pick. */
  step: number;
  /** No repeat within this many picks … */
  freshnessTracks: number;
  /** … or this many minutes. */
  freshnessMinutes: number;
  tempoWeight: number;
  smoothnessWeight: number;
  likeBonus: number;
  skipPenalty: number;
}

export const DEFAULT_RECOMMENDER_OPTIONS: RecommenderOptions = {
  step: 0.25,
  freshnessTracks: 20,
  freshnessMinutes: 60,
  tempoWeight: 0.15,
  smoothnessWeight: 0.1,
  likeBonus: 0.15,
  skipPenalty: 0.12,
};

const GOALS: Record<Strategy, (mood: MoodPoint) => MoodPoint> = {
  match: (m) => m,
  // Lift: toward clearly positive valence, arousal drifting to a moderate, pleasant level.
  lift: (m) => ({ valence: 0.8, arousal: Math.max(m.arousal, 0.2) }),
  // Calm: toward low arousal, valence kept (raised to neutral if negative: calm, not gloom).
  calm: (m) => ({ valence: Math.max(m.valence, 0), arousal: -0.7 }),
};

/** The point the next track should sit at: one step (at most `step`) from the mood toward the goal. */
export function targetFor(mood: MoodPoint, strategy: Strategy, step = DEFAULT_RECOMMENDER_OPTIONS.step): MoodPoint {
  const goal = GOALS[strategy](mood);
  const d = distance(mood, goal);
  if (d <= step || d === 0) return { valence: goal.valence, arousal: goal.arousal };
  const f = step / d;
  return { valence: mood.valence + f * (goal.valence - mood.valence), arousal: mood.arousal + f * (goal.arousal - mood.arousal) };
}

/** Tempo that suits an arousal level: 70 BPM at −1 up to 160 BPM at +1. */
export function bpmFor(arousal: number): number {
  return 115 + 45 * arousal;
}

export interface PickRequest {
  mood: MoodReading;
  strategy: Strategy;
  now: number;
  history: readonly PlayRecord[];
  feedback?: FeedbackTally;
  previous?: CatalogTrack;
  /** "you" for a listener, "the room" for a room. */
  subject?: string;
  /** Where the track should sit, when something other than the strategy decides (a steered journey). */
  target?: MoodPoint;
}

export interface Pick {
  track: CatalogTrack;
  target: MoodPoint;
  targetBpm: number;
  cost: number;
  /** Distance from the target in (valence, arousal). */
  moodDistance: number;
  explanation: string;
  /** True when every track was inside the freshness window and the least recently played one was taken. */
  freshnessRelaxed: boolean;
}

export function pickTrack(
  catalog: readonly CatalogTrack[],
  request: PickRequest,
  options: Partial<RecommenderOptions> = {},
): Pick | undefined {
  if (catalog.length === 0) return undefined;
  const o = { ...DEFAULT_RECOMMENDER_OPTIONS, ...options };
  const target = request.target ?? targetFor(request.mood, request.strategy, o.step);
  const targetBpm = bpmFor(target.arousal);
  const recent = freshnessWindow(request.history, request.now, o);

  // Per-track adjustments by catalog position, so the scan below does array reads, not string
  // hashing: feedback and freshness touch few tracks, the scan touches them all.
  const index = positionsOf(catalog);
  const excluded = new Uint8Array(catalog.length);
  for (const id of recent) {
    const i = index.get(id);
    if (i !== undefined) excluded[i] = 1;
  }
  const adjust = new Float64Array(catalog.length);
  for (const [id, fb] of request.feedback ?? []) {
    const i = index.get(id);
    if (i === undefined) continue;
    if (fb.dislike > fb.like) excluded[i] = 1;
    else adjust[i] = o.skipPenalty * Math.min(3, fb.skip) - o.likeBonus * Math.min(2, fb.like);
  }
  const tempoWeight = o.tempoWeight / 100;
  const smoothWeight = request.previous ? o.smoothnessWeight / 100 : 0;
  const previousBpm = request.previous?.bpm ?? 0;

  let bestIndex = -1;
  let bestCost = Infinity;
  let bestMoodDistance = 0;
  for (let i = 0; i < catalog.length; i++) {
    if (excluded[i]) continue;
    const track = catalog[i]!;
    // sqrt of squares, not Math.hypot: hypot is several times slower in V8 and this is the hot loop.
    const dv = track.valence - target.valence;
    const da = track.arousal - target.arousal;
    const moodDistance = Math.sqrt(dv * dv + da * da);
    const cost =
      moodDistance + tempoWeight * Math.abs(track.bpm - targetBpm) + smoothWeight * Math.abs(track.bpm - previousBpm) + adjust[i]!;
    if (cost < bestCost) {
      bestCost = cost;
      bestIndex = i;
      bestMoodDistance = moodDistance;
    }
  }
  let best = bestIndex >= 0 ? catalog[bestIndex] : undefined;
  let freshnessRelaxed = false;
  if (!best) {
    // Everything was played recently (a small library): take the least recently played track.
    freshnessRelaxed = true;
    const lastPlayed = new Map<string, number>();
    for (const p of request.history) lastPlayed.set(p.trackId, Math.max(lastPlayed.get(p.trackId) ?? -Infinity, p.at));
    best = [...catalog].sort((a, b) => (lastPlayed.get(a.trackId) ?? -Infinity) - (lastPlayed.get(b.trackId) ?? -Infinity))[0]!;
    bestMoodDistance = Math.hypot(best.valence - target.valence, best.arousal - target.arousal);
    bestCost = bestMoodDistance;
  }
  const pick: Omit<Pick, 'explanation'> = {
    track: best,
    target,
    targetBpm,
    cost: bestCost,
    moodDistance: bestMoodDistance,
    freshnessRelaxed,
  };
  return { ...pick, explanation: explain(pick, request) };
}

const positionCache = new WeakMap<readonly CatalogTrack[], Map<string, number>>();

/** trackId → position, built once per catalog array (the director replaces the array on reload). */
function positionsOf(catalog: readonly CatalogTrack[]): Map<string, number> {
  let index = positionCache.get(catalog);
  if (!index) {
    index = new Map(catalog.map((t, i) => [t.trackId, i]));
    positionCache.set(catalog, index);
  }
  return index;
}

function freshnessWindow(history: readonly PlayRecord[], now: number, o: RecommenderOptions): Set<string> {
  const recent = new Set<string>();
  const cutoff = now - o.freshnessMinutes * 60_000;
  for (let i = history.length - 1, n = 0; i >= 0; i--, n++) {
    const p = history[i]!;
    if (n < o.freshnessTracks || p.at >= cutoff) recent.add(p.trackId);
    else if (p.at < cutoff) break;
  }
  return recent;
}

const STRATEGY_WORDS: Record<Strategy, string> = { match: 'match', lift: 'lift', calm: 'calm' };

/** "you seemed sad (0.72) → calm: low-arousal track in D minor, 68 BPM (valence −0.31, arousal −0.52; target …)". */
export function explain(pick: Omit<Pick, 'explanation'>, request: PickRequest): string {
  const { track, target } = pick;
  const subject = request.subject ?? 'you';
  const energy = track.arousal <= -0.25 ? 'low-arousal' : track.arousal >= 0.25 ? 'high-energy' : 'mid-energy';
  const tone = track.valence >= 0.25 ? 'bright ' : track.valence <= -0.25 ? 'dark ' : '';
  const fb = request.feedback?.get(track.trackId);
  const liked = fb && fb.like > 0 ? `; ${subject === 'you' ? 'you' : 'listeners here'} liked it before` : '';
  const relaxed = pick.freshnessRelaxed ? '; every track was played recently, so the least recent one' : '';
  return (
    `${moodPhrase(request.mood, subject)} → ${STRATEGY_WORDS[request.strategy]}: ` +
    `${tone}${energy} track in ${track.key} ${track.mode}, ${Math.round(track.bpm)} BPM ` +
    `(track valence ${f2(track.valence)}, arousal ${f2(track.arousal)}; target ${f2(target.valence)}, ${f2(target.arousal)} ` +
    `from mood ${f2(request.mood.valence)}, ${f2(request.mood.arousal)}; distance ${f2(pick.moodDistance)}${liked}${relaxed})`
  );
}

/**
 * "the room seemed sad (0.72)"; with overrides "you set your mood to sad (until 14:05 UTC)" when
 * the pinned mood is all there is, else "the room seemed calm (0.80; Ada set their mood to sad
 * until 14:05 UTC)".
 */
function moodPhrase(mood: MoodReading, subject: string): string {
  const pinned = mood.overrides ?? [];
  const sensed = `${subject} seemed ${mood.emotion} (${f2(mood.confidence)})`;
  if (pinned.length === 0) return sensed;
  if (pinned.length === 1 && (mood.members ?? 1) <= 1)
    return `you set your mood to ${pinned[0]!.emotion} (until ${clock(pinned[0]!.until)})`;
  const who = pinned.map((o) => `${o.displayName ?? 'someone'} set their mood to ${o.emotion} until ${clock(o.until)}`).join(', ');
  return `${sensed.slice(0, -1)}; ${who})`;
}

function clock(ms: number): string {
  return `${new Date(ms).toISOString().slice(11, 16)} UTC`;
}

function f2(x: number): string {
  return x.toFixed(2);
}
