import { defineConfig } from 'vitest/config';

// vitest's 5 s default fails a test for the machine's load, not its code, on a busy 2-core machine
// (CI's, or one shared with other work): the tests' own waits are what bound them.
// The files share one process (isolate: false): none mocks a module, fakes the clock or leaves a
// global changed, and a fresh process per file (start-up and imports again) cost more CPU time than
// their tests (docs/testing.md).
export default defineConfig({
  test: { testTimeout: 60_000, isolate: false },
});
