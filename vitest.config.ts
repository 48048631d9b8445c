import {defineConfig} from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 180_000,
    // Renders are CPU-bound and the CI machine has 2 cores: run test files one at a time so that
    // renders never compete with each other.
    fileParallelism: false,
    pool: 'forks',
  },
});
