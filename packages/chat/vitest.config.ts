import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['../db/test/setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // The files share one process: none mocks a module, fakes the clock or leaves a global changed,
    // and a process per file cost a third of the package's CPU time (docs/testing.md).
    isolate: false,
  },
});
