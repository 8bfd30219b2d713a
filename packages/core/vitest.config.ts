import { defineConfig } from 'vitest/config';

// vitest's 5 s default fails a test for the machine's load, not its code, on a busy 2-core machine
// (CI's, or one shared with other work): the tests' own waits are what bound them.
export default defineConfig({
  test: { testTimeout: 60_000 },
});
