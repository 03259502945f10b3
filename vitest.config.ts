import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Builds dist/ once when stale, for the tests that spawn the real CLI.
    globalSetup: ['test/global-setup.ts'],
    environment: 'node',
    // End-to-end tests spawn the real Claude Code CLI; give them room but never hang CI.
    testTimeout: 60_000,
    hookTimeout: 30_000,
    pool: 'forks',
    reporters: ['default', './test/reporters/summary-line.ts'],
  },
});
