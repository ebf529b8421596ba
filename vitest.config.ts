import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['shared/**/*.test.ts', 'test/**/*.test.ts', 'functions/**/*.test.ts', 'cdk/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
