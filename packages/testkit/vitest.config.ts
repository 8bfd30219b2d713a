import { defineConfig } from 'vitest/config';

// vitest's 5 s default fails a test for the machine's load, not its code, on a busy 2-core machine
// (CI's, or one shared with other work): the tests' own waits are what bound them.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The fakes' own tests provoke refusals on purpose and take them from the audit themselves;
    // anything left over fails the test, as in every package that uses the fakes.
    setupFiles: ['./src/audit-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // The files share one process: none mocks a module, fakes the clock or leaves a global changed,
    // and a process per file cost a third of the package's CPU time (docs/testing.md).
    isolate: false,
  },
});
