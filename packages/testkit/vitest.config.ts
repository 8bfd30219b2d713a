import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The fakes' own tests provoke refusals on purpose and take them from the audit themselves;
    // anything left over fails the test, as in every package that uses the fakes.
    setupFiles: ['./src/audit-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
