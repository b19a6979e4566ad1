import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Two cores on CI: keep file-level parallelism modest so timing-sensitive children do not starve.
    maxWorkers: 2,
    // Processes the tests start (bin/hwnas.js) run the TypeScript sources under test, not a possibly stale dist/.
    env: { HWNAS_FROM_SOURCE: '1' },
  },
});
