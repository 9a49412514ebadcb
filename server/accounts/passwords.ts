/**
 * Password hashing with argon2id (@node-rs/argon2: prebuilt, no install script; the `argon2`
 * package crashes on this Node). Parameters are the library's defaults (OWASP's minimum for
 * argon2id: 19 MiB, 2 passes).
 */
import { hash, verify } from '@node-rs/argon2';

export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 256;

/** The most common passwords of eight characters or more (from the public breach-corpus top lists). */
const COMMON = new Set([
  '12345678',
  '123456789',
  '1234567890',
  '12345678910',
  '87654321',
  '11111111',
  '00000000',
  '88888888',
  '99999999',
  '12341234',
  'password',
  'password1',
  'password12',
  'password123',
  'passw0rd',
  'p@ssw0rd',
  'iloveyou',
  'princess',
  'sunshine',
  'football',
  'baseball',
  'welcome1',
  'welcome123',
  'qwertyuiop',
  'qwerty123',
  'qwertyui',
  '1q2w3e4r',
  '1q2w3e4r5t',
  'zaq12wsx',
  'abc12345',
  'abcd1234',
  'aa123456',
  'asdfghjkl',
  'asdfasdf',
  'superman',
  'starwars',
  'trustno1',
  'letmein1',
  'dragon12',
  'monkey12',
  'changeme',
  'computer',
  'internet',
  'michelle',
  'jennifer',
  'whatever',
  'q1w2e3r4',
  'qazwsxedc',
  '1qaz2wsx',
  'moodify1',
]);

/** Why a new password is refused, or undefined when it is acceptable (NIST SP 800-63B: length, no common or trivial ones). */
export function passwordProblem(password: string, email?: string): string | undefined {
  const trimmed = password.trim();
  if (trimmed.length < PASSWORD_MIN_LENGTH)
    return `the password needs at least ${PASSWORD_MIN_LENGTH} characters other than leading or trailing spaces`;
  if (new Set(trimmed).size < 4) return 'the password is too repetitive: use at least 4 different characters';
  const lower = trimmed.toLowerCase();
  if (COMMON.has(lower)) return 'this password is among the most common ones; choose another';
  const codes = [...lower].map((c) => c.codePointAt(0)!);
  if (codes.every((c, i) => i === 0 || Math.abs(c - codes[i - 1]!) === 1))
    return 'a run like "12345678" or "abcdefgh" is too easy to guess';
  if (email && lower === email.split('@')[0]!.toLowerCase()) return 'the password must not be your e-mail address';
  if (email && lower === email.toLowerCase()) return 'the password must not be your e-mail address';
  return undefined;
}

export function hashPassword(password: string): Promise<string> {
  return hash(password);
}

// Verifying against a real hash even when the account does not exist keeps log-in time the same
// for known and unknown e-mail addresses, so response time does not reveal who has an account.
let dummyHash: Promise<string> | undefined;

export async function verifyPassword(passwordHash: string | null | undefined, password: string): Promise<boolean> {
  if (!passwordHash) {
    dummyHash ??= hash('moodify-timing-equaliser');
    await verify(await dummyHash, password).catch(() => false);
    return false;
  }
  try {
    return await verify(passwordHash, password);
  } catch {
    return false; // a malformed stored hash never logs anyone in
  }
}
