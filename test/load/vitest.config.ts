import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

/** `npm run test:load` only: the load test is not part of `npm test` (its files end in `.load.ts`, not `.test.ts`). */
export default defineConfig({
  test: {
    root: fileURLToPath(new URL('../..', import.meta.url)),
    include: ['test/load/**/*.load.ts'],
    testTimeout: 1_800_000,
    hookTimeout: 120_000,
  },
});
