import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'postgresql',
  schema: './sql/schema.ts',
  out: './sql/migrations',
});
