/**
 * Password hashing with argon2id (@node-rs/argon2: prebuilt, no install script; the `argon2`
 * package crashes on this Node). Parameters are the library's defaults (OWASP's minimum for
 * argon2id: 19 MiB, 2 passes).
 */
import { hash, verify } from '@node-rs/argon2';

export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 256;

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
