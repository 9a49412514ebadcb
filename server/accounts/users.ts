/** Looking up and creating accounts (full accounts with a password, and invite guests). */
import { eq, sql } from 'drizzle-orm';

import { users } from '../../sql/schema.js';
import type { Db } from '../database.js';

export type UserRow = typeof users.$inferSelect;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** True for a canonical uuid: anything else must never reach a uuid column (PostgreSQL would throw). */
export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value);
}

export async function findUserById(db: Db, userId: string): Promise<UserRow | undefined> {
  if (!isUuid(userId)) return undefined;
  const [row] = await db.select().from(users).where(eq(users.id, userId));
  return row;
}

export async function findUserByEmail(db: Db, email: string): Promise<UserRow | undefined> {
  const [row] = await db
    .select()
    .from(users)
    .where(sql`lower(${users.email}) = lower(${email})`);
  return row;
}

export async function createGuestUser(db: Db, displayName: string): Promise<UserRow> {
  const [row] = await db.insert(users).values({ displayName }).returning();
  return row!;
}

export function isGuest(user: Pick<UserRow, 'passwordHash'>): boolean {
  return user.passwordHash === null;
}
