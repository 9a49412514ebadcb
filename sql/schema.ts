/**
 * The whole database schema (drizzle-orm, PostgreSQL dialect): one file per area under
 * sql/tables/, re-exported here for the app. The same schema and the same generated migrations
 * serve the embedded PGlite default and a real PostgreSQL server.
 *
 * After changing a table: `npm run db:generate` (under `flock /tmp/moodify-db-generate.lock`
 * when several people work in one tree), then commit the new file under sql/migrations.
 */
export * from './tables/accounts.js';
export * from './tables/core.js';
export * from './tables/mood.js';
export * from './tables/music.js';
