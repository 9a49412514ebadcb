/**
 * Names people choose (display names, room names) are shown to other people: they keep letters,
 * emoji and spaces, but lose what can disguise or break a page — control characters, bidi
 * overrides and isolates (which can reverse the text around them: "evil\u202Egnp.exe"), and
 * lone surrogates (not text at all).
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;
const BIDI = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** The cleaned name, or '' when nothing printable is left. */
export function cleanName(raw: string | undefined | null, maxLength = 60): string {
  if (!raw) return '';
  const cleaned = raw.replace(LONE_SURROGATE, '').replace(CONTROL, ' ').replace(BIDI, '').normalize('NFC').replace(/\s+/g, ' ').trim();
  // Cut on a code-point boundary, so a cut never leaves half a surrogate pair.
  return Array.from(cleaned).slice(0, maxLength).join('').trim();
}

/** A display name for someone joining through an invite: the cleaned name, or "Guest". */
export function guestDisplayName(raw: string | undefined | null): string {
  return cleanName(raw) || 'Guest';
}
