import { defineConfig } from 'vitest/config';

// These tests start the real CLI in child processes against real embedded databases.
export default defineConfig({
  test: { testTimeout: 240_000, hookTimeout: 60_000, globalSetup: ['test/global-setup.ts'] },
});
