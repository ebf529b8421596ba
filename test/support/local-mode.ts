import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import SftpClient from 'ssh2-sftp-client';
import { DEMO_VENDOR, startLocalMode, type LocalMode, type LocalModeOptions } from '../../shared/local/local-mode.js';
import { uploadWithClient } from '../../shared/local/upload-with-client.js';
import { forFile } from './for-file.js';
import { ROOT } from './run-cli.js';

/**
 * Local mode in this process on `dataDir`, as `npm start` starts it but quiet (nothing said, nothing logged):
 * on first start the demo vendor and club onboarded and the samples uploaded over SFTP with a real client.
 */
export function startQuietLocalMode(dataDir: string, overrides: Partial<LocalModeOptions> = {}): Promise<LocalMode> {
  return startLocalMode({
    dataDir,
    fresh: false,
    samplesDir: join(ROOT, 'samples'),
    say: () => undefined,
    log: () => undefined,
    uploadDemo: uploadWithClient,
    ...overrides,
  });
}

/**
 * Local mode (see startQuietLocalMode) for the tests of one file or describe block, on `dataDir` (see forFile):
 * started before them, stopped after them. The function returned reads it, inside a hook or a test.
 */
export function localModeForFile(dataDir: string, overrides: Partial<LocalModeOptions> = {}): () => LocalMode {
  return forFile(
    'Local mode',
    () => startQuietLocalMode(dataDir, overrides),
    (local) => local.stop(),
    120_000,
  );
}

/** An SFTP client (ssh2-sftp-client) logged in on 127.0.0.1:`port` as the demo vendor with its key at `keyPath`. */
export async function demoVendorClient(
  port: number,
  keyPath: string,
  options: Partial<SftpClient.ConnectOptions> = {},
): Promise<SftpClient> {
  const client = new SftpClient();
  await client.connect({
    host: '127.0.0.1',
    port,
    username: DEMO_VENDOR,
    privateKey: readFileSync(keyPath),
    ...options,
  });
  return client;
}
