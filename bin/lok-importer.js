#!/usr/bin/env node
// The CLI is written in TypeScript and compiled to dist/ by `npm run build` (run by `prepare` on every npm install/ci).
import('../dist/shared/cli/main.js').catch((error) => {
  if (error && error.code === 'ERR_MODULE_NOT_FOUND') {
    process.stderr.write('lok-importer is not built yet: run `npm install` (or `npm run build`) in the repository first.\n');
    process.exit(2);
  }
  throw error;
});
