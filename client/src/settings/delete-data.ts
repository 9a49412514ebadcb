/**
 * "Delete my data" as a person can trust it: capture stops first (in every tab of this browser
 * that sends the camera or microphone, told over a BroadcastChannel), then the server deletes,
 * and the answer is said in words ("412 mood readings, 3 likes or skips").
 */
import { api } from '../dashboard/session.js';

const CHANNEL = 'moodify-privacy';

interface PrivacyMessage {
  type: 'stop-capture' | 'capture-stopped';
}

/** A room page calls this: when another tab deletes the user's data, `stop` runs first. */
export function onStopCaptureRequest(stop: () => void): () => void {
  if (typeof BroadcastChannel === 'undefined') return () => {};
  const channel = new BroadcastChannel(CHANNEL);
  channel.onmessage = (e: MessageEvent<PrivacyMessage>) => {
    if (e.data?.type !== 'stop-capture') return;
    stop();
    channel.postMessage({ type: 'capture-stopped' } satisfies PrivacyMessage);
  };
  return () => channel.close();
}

/** Asks every room tab to stop capture; resolves with how many answered (after at most `waitMs`). */
export async function stopCaptureEverywhere(waitMs = 800): Promise<number> {
  if (typeof BroadcastChannel === 'undefined') return 0;
  const channel = new BroadcastChannel(CHANNEL);
  let stopped = 0;
  channel.onmessage = (e: MessageEvent<PrivacyMessage>) => e.data?.type === 'capture-stopped' && stopped++;
  channel.postMessage({ type: 'stop-capture' } satisfies PrivacyMessage);
  await new Promise((resolve) => setTimeout(resolve, waitMs));
  channel.close();
  return stopped;
}

const WORDS: Record<string, [string, string]> = {
  emotion_samples: ['mood reading', 'mood readings'],
  feedback: ['like, dislike or skip', 'likes, dislikes and skips'],
  plays: ['play you listened to by link', 'plays you listened to by link'],
  refresh_tokens: ['sign-in', 'sign-ins'],
  rooms: ['room you owned', 'rooms you owned'],
  users: ['account', 'accounts'],
  room_memberships: ['room membership', 'room memberships'],
  user_settings: ['settings record', 'settings records'],
};

/** "412 mood readings and 3 likes, dislikes and skips" from the server's deletion report. */
export function describeDeletion(report: { deleted?: Record<string, number> } | undefined): string {
  const parts = Object.entries(report?.deleted ?? {})
    .filter(([, n]) => n > 0)
    .map(([table, n]) => {
      const [one, many] = WORDS[table] ?? [table.replace(/_/g, ' '), table.replace(/_/g, ' ')];
      return `${n.toLocaleString()} ${n === 1 ? one : many}`;
    });
  if (parts.length === 0) return 'There was nothing stored about you to delete.';
  const list = parts.length === 1 ? parts[0] : `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)}`;
  return `Deleted ${list}.`;
}

export interface DeletionOutcome {
  /** Room tabs that stopped capture before the deletion. */
  captureStopped: number;
  summary: string;
}

/** Stops capture, then deletes the user's data (or account) and says what went. */
export async function deleteMyData(account: boolean): Promise<DeletionOutcome> {
  const captureStopped = await stopCaptureEverywhere();
  const report = await api<{ deleted?: Record<string, number> }>('DELETE', account ? '/api/me' : '/api/me/data');
  return { captureStopped, summary: describeDeletion(report) };
}

/** When this browser's user last deleted their data (epoch ms), so their history starts afresh from there. */
export function dataDeletedAt(userId: string | undefined): number | undefined {
  if (!userId) return undefined;
  const at = Number(localStorage.getItem(`moodify.dataDeletedAt.${userId}`));
  return at > 0 ? at : undefined;
}

export function markDataDeleted(userId: string): void {
  localStorage.setItem(`moodify.dataDeletedAt.${userId}`, String(Date.now()));
}
