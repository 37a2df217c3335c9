import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // One Temporal server and one PostgreSQL serve every file; two cores run two files at once.
    maxWorkers: 2,
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/**/*.test.ts'],
          // test/cluster runs in `npm run test:cluster` (vitest.cluster.config.ts); the chaos soak
          // brings its own servers and runs alone: `npm run test:chaos`.
          exclude: ['test/unit/**', 'test/cluster/**', 'test/chaos/**'],
          globalSetup: ['test/support/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
