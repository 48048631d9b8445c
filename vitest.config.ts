import {defineConfig} from 'vitest/config';

const unit = ['test/unit/**/*.test.ts', 'test/unit/**/*.test.tsx'];

export default defineConfig({
  test: {
    setupFiles: ['test/setup-state-dir.ts'],
    testTimeout: 30_000,
    hookTimeout: 180_000,
    // Two test files at a time. A render here is bound by the browser's per-frame latency, not by the CPU
    // (measured: two 300-frame renders side by side took 1.2× the time of one), so two files in parallel
    // nearly halve the suite on the 2-core CI machine. Each file has its own temp project, state
    // directory and simulator port.
    maxWorkers: 2,
    pool: 'forks',
    // `npm test` runs `unit` first (no browser, no build: seconds), then `integration` (real renders, real
    // HTTP, Studio, the composition matrix, installs, the fault suite), which builds dist/ once for the CLI.
    projects: [
      {extends: true, test: {name: 'unit', include: unit}},
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
          exclude: unit,
          globalSetup: ['test/global-setup.ts'],
        },
      },
    ],
  },
});
