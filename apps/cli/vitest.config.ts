import { defineConfig } from 'vitest/config';

// These tests start the real CLI in child processes against real embedded databases; some set up
// whole experiments in beforeAll (minutes on a busy 2-core machine), so hooks get the tests' time.
export default defineConfig({
  test: { testTimeout: 240_000, hookTimeout: 240_000, globalSetup: ['test/global-setup.ts'] },
});
