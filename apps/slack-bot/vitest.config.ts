import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Each file starts its own database, fake Slack and app: they run one after another on 2 cores.
    fileParallelism: false,
    // ...in one process: none mocks a module, fakes the clock or leaves a global changed, and a process
    // per file started and imported everything again (docs/testing.md).
    isolate: false,
    // After each test: no request the fake Slack refused for breaking a rule, no unintended mention.
    setupFiles: ['@oversight/testkit/audit-setup'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
