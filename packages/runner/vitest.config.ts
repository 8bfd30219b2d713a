import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['../db/test/setup.ts'],
    // Opening a fresh PGlite runs initdb (~2 s); a throwaway PostgreSQL server starts in ~1 s.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
