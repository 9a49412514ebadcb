import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'postgresql',
  schema: './sql/tables/*.ts',
  out: './sql/migrations',
});
