import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/support/offline.ts'],
    // Each file runs in its own process: a sandbox sets process.env for the handlers it loads.
    pool: 'forks',
    // Two files at a time on any machine: most of a file's time is spent waiting on timers and loopback
    // endpoints, so two keep a two-core machine busy where vitest's default (cores - 1) runs one.
    maxWorkers: 2,
    // Concurrent tests (the crash test's trials, each a sandbox process) three at a time.
    maxConcurrency: 3,
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
