import { defineConfig } from 'vitest/config';

// Whole trials through the fake Discord and the fake OpenAI server, with real databases.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['../../packages/db/test/setup.ts', '@oversight/testkit/audit-setup'],
    testTimeout: 90_000,
    hookTimeout: 60_000,
    // The files share one process: none mocks a module, fakes the clock or leaves a global changed,
    // and a process per file started and imported everything again (docs/testing.md).
    isolate: false,
  },
});
