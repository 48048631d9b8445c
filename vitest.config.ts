import {defineConfig} from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    globalSetup: ['test/global-setup.ts'],
    setupFiles: ['test/setup-state-dir.ts'],
    testTimeout: 30_000,
    hookTimeout: 180_000,
    // Two test files at a time. A render here is bound by the browser's per-frame latency, not by the CPU
    // (measured: two 300-frame renders side by side took 1.2× the time of one), so two files in parallel
    // nearly halve the suite on the 2-core CI machine. Each file has its own temp project, state
    // directory and simulator port.
    maxWorkers: 2,
    pool: 'forks',
  },
});
