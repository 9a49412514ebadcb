/**
 * Steering a room from search (server/music/steering-routes.ts): play a track next, or take the
 * room to a point on the valence/arousal plane over some minutes (a journey), or stop one.
 */
import type { StoryJourney } from '../../../vocabulary/music-story.js';
import { api } from '../dashboard/session.js';

export interface SteerableRoom {
  id: string;
  name: string;
  role: 'owner' | 'member' | 'guest';
  closedAt: string | null;
}

/** Journey lengths offered, minutes. */
export const JOURNEY_MINUTES = [5, 10, 20, 30, 60] as const;

/** The rooms whose music the user may steer (members and owners of open rooms). */
export async function steerableRooms(): Promise<SteerableRoom[]> {
  const rooms = await api<SteerableRoom[]>('GET', '/api/rooms');
  return rooms.filter((r) => !r.closedAt && r.role !== 'guest');
}

export function playNext(roomId: string, trackId: string): Promise<{ trackId: string; title: string; playsAfter: number }> {
  return api('POST', `/api/music/rooms/${encodeURIComponent(roomId)}/queue`, { trackId });
}

export function takeRoomTo(
  roomId: string,
  point: { valence: number; arousal: number },
  minutes: number,
  label?: string,
): Promise<{ journey: StoryJourney }> {
  return api('PUT', `/api/music/rooms/${encodeURIComponent(roomId)}/destination`, { ...point, minutes, ...(label ? { label } : {}) });
}

export function stopJourney(roomId: string): Promise<{ cleared: boolean }> {
  return api('DELETE', `/api/music/rooms/${encodeURIComponent(roomId)}/destination`);
}

/** A destination's name for sentences: the search's mood words when they are plain words, else none (the server names the point). */
export function destinationLabel(moodWords: readonly string[] | undefined): string | undefined {
  const label = (moodWords ?? []).join(' and ');
  return /^[\p{L}][\p{L} '-]{0,39}$/u.test(label) ? label : undefined;
}

export function localTime(at: number): string {
  return new Date(at).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}
