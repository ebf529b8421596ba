#!/usr/bin/env node
// postinstall: build ssh2's optional native add-ons (its crypto binding and cpu-features) for the project's Node.
//
// npm installs packages with the machine's Node (20 here), so node-gyp first builds the add-ons against Node 20's
// headers; the project runs on the Node pinned in package.json (the `node` package), which refuses them and ssh2
// silently falls back to its JavaScript ciphers. npm runs this script with node_modules/.bin first on PATH, so
// `node` is the pinned one: we rebuild both against its own headers (shipped in its package; nothing is fetched
// from nodejs.org). When no compiler is at hand they stay out knowingly: ssh2 works without them, only slower,
// and this says so.
import { spawnSync } from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const ADDONS = ['ssh2', 'cpu-features'];
const require = createRequire(import.meta.url);

/** The folder holding include/node of the running Node: `<prefix>/bin/node` → `<prefix>`, or the arch package. */
function nodeDir() {
  const prefix = dirname(dirname(realpathSync(process.execPath)));
  const candidates = [prefix, join(prefix, 'node_modules', `node-${process.platform}-${process.arch}`)];
  return candidates.find((dir) => existsSync(join(dir, 'include', 'node', 'node_version.h')));
}

/** Whether both add-ons load in this Node. */
function loaded() {
  try {
    require('cpu-features');
    require('ssh2/lib/protocol/crypto/build/Release/sshcrypto.node');
    return true;
  } catch {
    return false;
  }
}

if (loaded()) process.exit(0);
const dir = nodeDir();
if (dir === undefined) {
  console.warn(`native add-ons: no headers for Node ${process.version}; ssh2 uses its JavaScript ciphers`);
  process.exit(0);
}
const npm = process.env.npm_execpath;
const [command, args] = npm ? [process.execPath, [npm]] : ['npm', []];
const result = spawnSync(command, [...args, 'rebuild', ...ADDONS, `--nodedir=${dir}`, '--foreground-scripts=false'], { stdio: 'inherit' });
if (result.status !== 0 || !loaded()) {
  console.warn(`native add-ons: could not build ${ADDONS.join(', ')} for Node ${process.version}; ssh2 uses its JavaScript ciphers`);
} else {
  console.log(`native add-ons: ${ADDONS.join(', ')} built for Node ${process.version}`);
}
