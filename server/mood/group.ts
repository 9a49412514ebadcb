/**
 * Group mood for a room: a confidence-weighted mean of the members' (valence, arousal), then a
 * least-misery guard that pulls the point back toward any confident member it would leave too
 * far behind, so the music never pushes one person hard against their own mood. See MOOD.md.
 */
import { CIRCUMPLEX, distance, type MoodPoint, nearestEmotion } from '../../vocabulary/circumplex.js';
import type { FerLabel } from '../../vocabulary/emotions.js';

export interface MemberMood extends MoodPoint {
  participantId: string;
  confidence: number;
  /** The member's own (smoothed, hysteresis-held) label: the group's label is their vote. */
  emotion?: FerLabel;
}

export interface GroupMood extends MoodPoint {
  emotion: FerLabel;
  /** Confidence-weighted mean of the members' confidences. */
  confidence: number;
  members: number;
  /** Of the counted members, how many share `emotion` (always set by groupMood). */
  agreeing?: number;
  /** The weighted mean before the guard. */
  mean: MoodPoint;
  /** Members whose mood moved the point (the guard acted for them). */
  guardedFor: string[];
}

export interface GroupOptions {
  /** Members below this confidence neither weigh in nor trigger the guard. */
  minConfidence: number;
  /** The most the group point may lie from a confident member's mood (circumplex distance). */
  maxDistance: number;
}

export const DEFAULT_GROUP_OPTIONS: GroupOptions = { minConfidence: 0.15, maxDistance: 0.9 };

export function groupMood(members: readonly MemberMood[], options: Partial<GroupOptions> = {}): GroupMood | undefined {
  const o = { ...DEFAULT_GROUP_OPTIONS, ...options };
  const counted = members.filter((m) => m.confidence >= o.minConfidence);
  if (counted.length === 0) return undefined;
  const total = counted.reduce((s, m) => s + m.confidence, 0);
  const mean = {
    valence: counted.reduce((s, m) => s + m.confidence * m.valence, 0) / total,
    arousal: counted.reduce((s, m) => s + m.confidence * m.arousal, 0) / total,
  };
  // Alternating projections onto the discs of radius maxDistance around each member: converges
  // to a point inside all of them when one exists, and to a compromise between them otherwise.
  let point = { ...mean };
  const guardedFor = new Set<string>();
  for (let round = 0; round < 50; round++) {
    let moved = false;
    for (const m of counted) {
      const d = distance(point, m);
      if (d > o.maxDistance + 1e-9) {
        const pull = (d - o.maxDistance) / d;
        point = {
          valence: point.valence + pull * (m.valence - point.valence),
          arousal: point.arousal + pull * (m.arousal - point.arousal),
        };
        guardedFor.add(m.participantId);
        moved = true;
      }
    }
    if (!moved) break;
  }
  const emotion = groupLabel(counted, point);
  return {
    ...point,
    emotion,
    confidence: counted.reduce((s, m) => s + m.confidence * m.confidence, 0) / total,
    members: counted.length,
    agreeing: counted.filter((m) => (m.emotion ?? nearestEmotion(m)) === emotion).length,
    mean,
    guardedFor: [...guardedFor],
  };
}

/**
 * The room's word for its mood: a confidence-weighted vote of the members' own labels, so it
 * never contradicts them (one happy member is a happy room, not whatever emotion lies nearest to
 * their smoothed point, which can be "surprise"). Ties go to the label nearest the group point.
 * Members without a label (callers that pass points only) vote for the emotion nearest their point.
 */
function groupLabel(counted: readonly MemberMood[], point: MoodPoint): FerLabel {
  const votes = new Map<FerLabel, number>();
  for (const m of counted) {
    const label = m.emotion ?? nearestEmotion(m);
    votes.set(label, (votes.get(label) ?? 0) + m.confidence);
  }
  let best: FerLabel = nearestEmotion(point);
  let bestVotes = -1;
  for (const [label, weight] of votes) {
    const better =
      weight > bestVotes + 1e-9 ||
      (Math.abs(weight - bestVotes) <= 1e-9 && distance(point, CIRCUMPLEX[label]) < distance(point, CIRCUMPLEX[best]));
    if (better) {
      best = label;
      bestVotes = weight;
    }
  }
  return best;
}
