/**
 * The pairing a screen keeps after claiming a code: which room it plays and the listener-link
 * token that lets it (localStorage, so a TV that reboots keeps playing without a new code).
 * Also the claim itself, shared by the code form and the `?pair=` URL of the QR code.
 */

export interface ScreenPairing {
  roomId: string;
  roomName: string;
  token: string;
  linkId: string;
}

/** The server labels links made by pairing this way (server/pairing/plugin.ts PAIRED_SCREEN_LABEL). */
export const PAIRED_SCREEN_LABEL = 'Paired screen';

const KEY = 'moodify.screen-pairing';

export function loadPairing(roomId?: string): ScreenPairing | undefined {
  try {
    const stored = JSON.parse(localStorage.getItem(KEY) ?? 'null') as ScreenPairing | null;
    return stored && (!roomId || stored.roomId === roomId) ? stored : undefined;
  } catch {
    return undefined;
  }
}

export function savePairing(pairing: ScreenPairing | undefined): void {
  try {
    if (pairing) localStorage.setItem(KEY, JSON.stringify(pairing));
    else localStorage.removeItem(KEY);
  } catch {
    /* storage disabled: the pairing lasts as long as the page */
  }
}

/** A refused claim, in words for the screen. */
export class ClaimError extends Error {}

/** What this screen calls itself in the owner's list: "Chrome on Linux", "Safari on Mac"… */
export function screenName(): string {
  const ua = navigator.userAgent;
  const browser = /Edg\//.test(ua)
    ? 'Edge'
    : /Chrome\//.test(ua)
      ? 'Chrome'
      : /Firefox\//.test(ua)
        ? 'Firefox'
        : /Safari\//.test(ua)
          ? 'Safari'
          : 'Browser';
  const system = /SMART-TV|Tizen|Web0S|webOS|BRAVIA|AFT/i.test(ua)
    ? 'TV'
    : /Android/.test(ua)
      ? 'Android'
      : /iPhone|iPad/.test(ua)
        ? 'iOS'
        : /Mac OS/.test(ua)
          ? 'Mac'
          : /Windows/.test(ua)
            ? 'Windows'
            : /Linux|CrOS/.test(ua)
              ? 'Linux'
              : 'a device';
  return `${browser} on ${system}`;
}

/** Claims a pairing code; the pairing is stored for next time. */
export async function claimCode(code: string): Promise<ScreenPairing> {
  let response: Response;
  try {
    response = await fetch('/api/pairing/claim', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ code, name: screenName() }),
    });
  } catch {
    throw new ClaimError('This screen could not reach Moodify. Check its network connection, then try again.');
  }
  const body = (await response.json().catch(() => ({}))) as { error?: string; message?: string } & Partial<ScreenPairing>;
  if (!response.ok) {
    if (response.status === 400) throw new ClaimError('A code is 6 letters and digits, like K7P-2QX.');
    throw new ClaimError(body.error ?? body.message ?? 'The code was not accepted. Ask for a new one in the room.');
  }
  const pairing: ScreenPairing = { roomId: body.roomId!, roomName: body.roomName ?? '', token: body.token!, linkId: body.linkId! };
  savePairing(pairing);
  return pairing;
}
