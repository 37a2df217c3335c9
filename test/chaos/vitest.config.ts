import { join } from 'node:path';
import { defineConfig } from 'vitest/config';

/** `npm run test:chaos`: its own servers and processes, so not part of `npm test`. */
export default defineConfig({
  root: join(import.meta.dirname, '..', '..'),
  test: {
    include: ['test/chaos/**/*.test.ts'],
    maxWorkers: 1,
    testTimeout: 3_600_000,
    hookTimeout: 600_000,
  },
});
