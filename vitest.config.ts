import { defineConfig } from 'vitest/config';

/**
 * Tests that start something outside the test process: a spawned server, the web app, Chromium,
 * nginx, redis-server or PostgreSQL. Everything else is the unit tier (npm run test:unit), so a
 * new test file joins a tier by where it is put, not by a list kept by hand.
 */
const needsOutsideParts = [
  'tests/integration/**/*.test.ts',
  'tests/browser/**/*.test.ts',
  'tests/chaos/**/*.test.ts',
  'tests/storage/postgres-*.test.ts',
];

export default defineConfig({
  test: {
    environment: 'node',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Integration and browser tests start real servers; two cores cannot run many at once.
    maxWorkers: 2,
    fileParallelism: true,
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['tests/**/*.test.ts'], exclude: needsOutsideParts },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: needsOutsideParts,
          // Builds the web app when stale (about a minute): only tests that start it need that.
          globalSetup: ['tests/global-setup.ts'],
        },
      },
    ],
  },
});
