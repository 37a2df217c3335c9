import { defineConfig } from 'vitest/config';

/**
 * `npm run test:cluster`: the engine on a real multi-service Temporal cluster on PostgreSQL
 * (scripts/cluster). The process scenarios of the main suite run unchanged against it, next to
 * the cluster's own failure tests. Files run one at a time: a test that kills the history service
 * must not stall another file's assertions.
 */
export default defineConfig({
  test: {
    name: 'cluster',
    include: [
      'test/cluster/**/*.test.ts',
      'test/processes/scale-out.test.ts',
      'test/processes/graceful-shutdown.test.ts',
      'test/workflow/order-exactly-once.test.ts',
    ],
    globalSetup: ['test/cluster/global-setup.ts'],
    fileParallelism: false,
    testTimeout: 180_000,
    hookTimeout: 180_000,
  },
});
