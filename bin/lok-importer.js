#!/usr/bin/env node
// The CLI is written in TypeScript and compiled to dist/ by `npm run build` (run by `prepare` on every npm install/ci).
// It runs on the Node pinned in package.json (the `node` package), which npm puts first on the PATH of `npx` and of
// every npm script; a machine's own older Node reaching this file gets told so instead of failing half-way.
const REQUIRED_MAJOR = 24;
const major = Number(process.versions.node.split('.')[0]);
if (major < REQUIRED_MAJOR) {
  process.stderr.write(
    `lok-importer runs on Node ${REQUIRED_MAJOR} (this is ${process.version}): run it as \`npx lok-importer …\` or \`npm start\` in the repository, which use the Node that \`npm install\` put in node_modules.\n`,
  );
  process.exit(2);
}
import('../dist/shared/cli/main.js').catch((error) => {
  if (error && error.code === 'ERR_MODULE_NOT_FOUND') {
    process.stderr.write(
      'lok-importer is not built yet: run `npm install` (or `npm run build`) in the repository first.\n',
    );
    process.exit(2);
  }
  throw error;
});
