import { defineConfig } from 'vitest/config';

// Two projects: `unit` needs nothing running; `integration` gets one real Temporal dev server
// per run from the global setup. The forks pool is required: Temporal workers break in threads.
export default defineConfig({
  test: {
    pool: 'forks',
    testTimeout: 120_000,
    hookTimeout: 300_000,
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['test/unit/**/*.test.ts'], sequence: { groupOrder: 0 } },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/support/globalSetup.ts'],
          // Integration tests share one dev server. Two files at a time: most of their time is spent
          // waiting (tasks, timeouts, restarts), and one at a time took the suite past 20 minutes on
          // 2 cores. Every test has its own task queue, import IDs and file names.
          fileParallelism: true,
          maxWorkers: 2,
          // Vitest runs projects with their own maxWorkers as groups, one after another: unit first.
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
