import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Two cores on CI: keep file-level parallelism modest so timing-sensitive children do not starve.
    maxWorkers: 2,
  },
});
