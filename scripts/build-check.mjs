// npm run build:check: `check` for vendors without a clone of lok-importer, and the files published beside the XSD.
//
//   schemas/receipt-v1.schema.json, schemas/error-codes.json   generated from the code (scripts/schemas.ts)
//   dist-check/lok-check.mjs      one self-contained file, needing nothing but Node >= 20
//   dist-check/<package>.tgz      the same as an npm package (packages/check/): bin lok-check, README, schemas, CHANGELOG
//   dist-check/SHA256SUMS         the two files' sums, for vendors to verify what they download
//
// `--out DIR` builds into DIR instead and leaves the repository as it is, schemas/ included (the tests use it, so
// that test/schema.test.ts still compares a fresh generation with the committed files).
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import {
  appendFileSync,
  chmodSync,
  copyFileSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const {
  values: { out },
} = parseArgs({ options: { out: { type: 'string' } } });
const OUT = resolve(out ?? join(ROOT, 'dist-check'));
const PACKAGE = join(ROOT, 'packages/check');
const BUNDLE = 'lok-check.mjs';
/** The format's XML Schema, published with the generated files in the package's schemas/. */
const XSD = 'importer-v1.xsd';

/**
 * Imports a TypeScript module of this repository: esbuild compiles it (its own imports bundled, packages left to
 * node_modules) into .cache/, as vitest does for the tests that import the same module.
 */
async function importTypeScript(path) {
  const outfile = join(ROOT, '.cache/build-check', `${basename(path, '.ts')}-${process.pid}.mjs`);
  await build({
    entryPoints: [join(ROOT, path)],
    outfile,
    bundle: true,
    packages: 'external',
    platform: 'node',
    format: 'esm',
    logLevel: 'warning',
  });
  try {
    return await import(pathToFileURL(outfile).href);
  } finally {
    rmSync(outfile);
  }
}

/** The generated schema files, by name, as their text. */
async function generatedSchemas() {
  const { schemaFiles } = await importTypeScript('scripts/schemas.ts');
  return schemaFiles(ROOT);
}

/**
 * The check command and what it imports, in one file. The CLI's main loads every other command lazily (they need
 * the AWS SDK and ssh2); the entry only ever runs `check`, so those imports are left out, never reached.
 */
async function bundleCheck(outfile) {
  const main = join(ROOT, 'shared/cli/main.ts');
  const checkOnly = {
    name: 'check-only',
    setup(builder) {
      builder.onResolve({ filter: /.*/ }, (args) =>
        args.kind === 'dynamic-import' && args.importer === main ? { path: args.path, external: true } : undefined,
      );
    },
  };
  const { metafile } = await build({
    entryPoints: [join(PACKAGE, 'entry.mjs')],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    banner: { js: '#!/usr/bin/env node' },
    plugins: [checkOnly],
    legalComments: 'none',
    metafile: true,
    logLevel: 'warning',
  });
  appendFileSync(outfile, licenceNotice(Object.keys(metafile.inputs)));
  chmodSync(outfile, 0o755);
}

/** The packages bundled into the file, each with its licence and the licence's text (their terms ask for it). */
function licenceNotice(inputs) {
  const packages = [
    ...new Set(inputs.map((input) => /^node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input)?.[1]).filter(Boolean)),
  ].sort();
  const notices = packages.map((name) => {
    const dir = join(ROOT, 'node_modules', name);
    const { version, license } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    const file = readdirSync(dir).find((f) => /^licen[cs]e/i.test(f));
    return `${name} ${version} (${license})${file ? `\n\n${readFileSync(join(dir, file), 'utf8').trim()}` : ''}`;
  });
  const text = `Third-party code bundled in this file, with its licences:\n\n${notices.join('\n\n---\n\n')}`;
  return `\n/*\n${text.replaceAll('*/', '* /')}\n*/\n`;
}

/** The npm package: packages/check's package.json and README, the bundle, the schemas and CHANGELOG.md, packed by `npm pack`. */
function pack(bundle, schemas) {
  const staging = join(OUT, 'package');
  mkdirSync(join(staging, 'schemas'), { recursive: true });
  for (const file of ['package.json', 'README.md']) copyFileSync(join(PACKAGE, file), join(staging, file));
  copyFileSync(join(ROOT, 'CHANGELOG.md'), join(staging, 'CHANGELOG.md'));
  copyFileSync(bundle, join(staging, BUNDLE));
  copyFileSync(join(ROOT, 'schemas', XSD), join(staging, 'schemas', XSD));
  for (const [name, text] of Object.entries(schemas)) writeFileSync(join(staging, 'schemas', name), text);
  const [{ filename }] = JSON.parse(
    execFileSync('npm', ['pack', '--json', '--pack-destination', OUT], { cwd: staging, encoding: 'utf8' }),
  );
  rmSync(staging, { recursive: true });
  return join(OUT, filename);
}

function sha256sums(files) {
  const line = (file) => `${createHash('sha256').update(readFileSync(file)).digest('hex')}  ${basename(file)}\n`;
  writeFileSync(join(OUT, 'SHA256SUMS'), files.map(line).join(''));
}

if (out === undefined) rmSync(OUT, { recursive: true, force: true });
mkdirSync(OUT, { recursive: true });
const schemas = await generatedSchemas();
if (out === undefined)
  for (const [name, text] of Object.entries(schemas)) writeFileSync(join(ROOT, 'schemas', name), text);
const bundle = join(OUT, BUNDLE);
await bundleCheck(bundle);
const tarball = pack(bundle, schemas);
sha256sums([bundle, tarball]);
process.stdout.write(
  `${[bundle, tarball, join(OUT, 'SHA256SUMS')].map((file) => relative(process.cwd(), file)).join('\n')}\n`,
);
