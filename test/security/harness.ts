/**
 * One real app per test file for the security tests: embedded PGlite, accounts enforced
 * (no anonymous rooms), no emotion models (nothing here needs them; CPU is scarce), listening on
 * a port so that WebSocket and raw-socket attacks reach it the way they would from outside.
 */
import crypto from 'node:crypto';

import { trackFeatures, tracks } from '../../sql/schema.js';
import { call, type Session, signUp } from '../accounts/test-app.js';
import { startTestApp, type TestApp } from '../helpers/app.js';

export { call, type Session, signUp };

export function startSecurityApp(env: Record<string, string> = {}): Promise<TestApp> {
  return startTestApp({
    ALLOW_ANONYMOUS_ROOMS: 'false',
    ANALYSIS_ENABLED: 'false',
    AUTH_RATE_LIMIT_MAX: '1000',
    LOG_LEVEL: 'silent',
    ...env,
  });
}

/** A track in the library (database row + features) that the music director knows. */
export async function addTrack(server: TestApp, title = 'Test song'): Promise<string> {
  const db = server.app.services.database.db;
  const [row] = await db
    .insert(tracks)
    .values({
      filePath: `/library/${crypto.randomUUID()}.ogg`,
      audioHash: crypto.randomUUID(),
      fileSize: 1,
      fileMtimeMs: 0,
      title,
      durationS: 180,
      origin: 'import',
      license: 'CC0',
    })
    .returning();
  await db.insert(trackFeatures).values({
    trackId: row!.id,
    bpm: 120,
    key: 'C',
    mode: 'major',
    keyConfidence: 0.5,
    loudnessLufs: -16,
    energy: 0.5,
    spectralCentroidHz: 1500,
    valence: 0.5,
    arousal: 0.2,
    emotion: 'happy',
    moodSource: 'sidecar',
    modelVersion: 'test',
    vector: {},
  });
  await server.app.services.music!.director.reloadCatalog();
  return row!.id;
}

/** A room owned by `owner` (through the API), with a listener link and an invite. */
export async function roomWithLinks(server: TestApp, owner: Session, invite: { maxUses?: number } = {}) {
  const room = (
    await call(server.app, 'POST', '/api/rooms', owner.accessToken, { name: `Room ${crypto.randomUUID().slice(0, 6)}` })
  ).json() as { id: string };
  const link = (await call(server.app, 'POST', `/api/rooms/${room.id}/listener-links`, owner.accessToken, { label: 'TV' })).json() as {
    id: string;
    token: string;
  };
  const inv = (
    await call(server.app, 'POST', `/api/rooms/${room.id}/invites`, owner.accessToken, { expiresInHours: 1, ...invite })
  ).json() as { id: string; token: string };
  return { roomId: room.id, linkToken: link.token, inviteToken: inv.token, inviteId: inv.id };
}

export function wsUrl(server: TestApp): string {
  return server.url.replace(/^http/, 'ws') + '/ws';
}
