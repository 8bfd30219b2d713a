import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/setup.ts'],
    // Opening a fresh PGlite runs initdb (~2 s); a throwaway PostgreSQL server starts in ~1 s.
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // The files share one process: none mocks a module, fakes the clock or leaves a global changed
    // (each database is in a folder or a server database of its own), and a process per file cost
    // CPU time for nothing (docs/testing.md).
    isolate: false,
  },
});
