import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Each file starts its own database, fake Slack and app: they run one after another on 2 cores.
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
