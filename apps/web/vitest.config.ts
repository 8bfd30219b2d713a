import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Each file starts its own database, web server and (some) a browser: one after another on 2 cores.
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 60_000,
  },
});
