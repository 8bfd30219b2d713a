import { defineConfig } from 'vitest/config';

// Several tests analyse the NYU data or a simulated experiment end to end (bootstraps, GLMMs): seconds
// on a quiet 2-core machine, more on a busy one, so vitest's 5 s default would fail them for the load.
// The files share one process (isolate: false): none mocks a module, fakes the clock or leaves a
// global changed, and a process per file cost a third of the package's CPU time (docs/testing.md).
export default defineConfig({
  test: { testTimeout: 60_000, isolate: false },
});
