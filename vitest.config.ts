import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['shared/**/*.test.ts', 'test/**/*.test.ts', 'functions/**/*.test.ts', 'cdk/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Test files spend much of their time waiting on DynamoDB Local, SFTP sessions and child processes: one file
    // more than the cores keeps them busy. Vitest's default (cores - 1) ran one file at a time on CI's 2 cores:
    // 679 s for the suite there, 478 s with 3 at once (`time npx vitest run --maxWorkers=3`, 2026-12-05).
    maxWorkers: availableParallelism() + 1,
  },
});
