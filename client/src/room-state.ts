/**
 * What the room page remembers and looks up: the room's name and the viewer's role (so the page
 * never shows an id), the consent given for this room in this browser session, and whether the
 * viewer was in the room with camera or listening only (so a reload rejoins by itself).
 */
import { api, ApiError, loadSession } from './dashboard/session.js';

export type RoomMode = 'capture' | 'listen';

export interface RoomInfo {
  name: string;
  role: 'owner' | 'member' | 'guest' | 'anonymous';
}

/** Why the page cannot show the room, in plain words, with a way back. */
export interface RoomProblem {
  title: string;
  text: string;
  action: { label: string; href: string };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A room's display name from its id where no account can say more (ad-hoc anonymous rooms are named by their id). */
export function nameFromId(roomId: string): string {
  return UUID.test(roomId) ? 'Moodify room' : roomId.replace(/[-_]+/g, ' ').replace(/^\w/, (c) => c.toUpperCase());
}

/** The room as the signed-in viewer may see it; a problem when they may not; anonymous without a session. */
export async function lookUpRoom(roomId: string): Promise<RoomInfo | RoomProblem> {
  if (!loadSession()) return { name: nameFromId(roomId), role: 'anonymous' };
  try {
    const room = await api<{ name: string; role: RoomInfo['role']; closedAt: string | null }>(
      'GET',
      `/api/rooms/${encodeURIComponent(roomId)}`,
    );
    if (room.closedAt)
      return {
        title: `${room.name} is closed`,
        text: 'Its owner closed this room, so nobody can join or listen any more. Its history stays in your dashboard.',
        action: HOME,
      };
    return { name: room.name, role: room.role };
  } catch (err) {
    const status = err instanceof ApiError ? err.status : 0;
    if (status === 401)
      return {
        title: 'Please sign in again',
        text: 'Your sign-in has ended. Sign in, then open the room again from your dashboard.',
        action: { label: 'Sign in', href: '/' },
      };
    if (status === 403)
      return {
        title: 'This room is not yours to join',
        text: 'You are signed in, but not as a member of this room. Ask its owner for an invite link.',
        action: HOME,
      };
    if (status === 404 || status === 400)
      return { title: 'This room does not exist', text: 'The link may be mistyped, or the room was deleted.', action: HOME };
    // The server is unreachable or busy: carry on; the page's own connections retry by themselves.
    return { name: nameFromId(roomId), role: 'anonymous' };
  }
}

const HOME = { label: 'Back to your rooms', href: '/' };

export function isProblem(value: RoomInfo | RoomProblem): value is RoomProblem {
  return 'title' in value;
}

/** Consent for this room, remembered for the browser session (asked once per room, not at every entry). */
export function rememberConsent(roomId: string): void {
  sessionStorage.setItem(`moodify.consent.${roomId}`, String(Date.now()));
}

export function hasConsent(roomId: string): boolean {
  return sessionStorage.getItem(`moodify.consent.${roomId}`) !== null;
}

/** How the viewer is in the room now (survives a reload, not the end of the session). */
export function rememberMode(roomId: string, mode: RoomMode | undefined): void {
  if (mode) sessionStorage.setItem(`moodify.mode.${roomId}`, mode);
  else sessionStorage.removeItem(`moodify.mode.${roomId}`);
}

export function rememberedMode(roomId: string): RoomMode | undefined {
  const mode = sessionStorage.getItem(`moodify.mode.${roomId}`);
  return mode === 'capture' || mode === 'listen' ? mode : undefined;
}
