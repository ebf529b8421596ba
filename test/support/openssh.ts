import { runProcess, type CliResult } from './run-cli.js';

/** Where OpenSSH's sftp logs in: a vendor on 127.0.0.1:`port` with the private key in `keyFile`. */
export interface OpenSshLogin {
  readonly port: number;
  readonly user: string;
  readonly keyFile: string;
}

/**
 * OpenSSH's sftp running the commands in the file `batch` (-b): no user configuration read, the host key not
 * checked, nothing asked; run without blocking this process (the server under test may run in it), killed after
 * `timeoutMs`.
 */
export function openSshBatch(login: OpenSshLogin, batch: string, timeoutMs: number): Promise<CliResult> {
  const options = [
    'StrictHostKeyChecking=no',
    'UserKnownHostsFile=/dev/null',
    'BatchMode=yes',
    'IdentitiesOnly=yes',
    'LogLevel=ERROR',
  ];
  return runProcess(
    'sftp',
    [
      ...['-F', '/dev/null', '-b', batch, '-i', login.keyFile, '-P', String(login.port)],
      ...options.flatMap((option) => ['-o', option]),
      `${login.user}@127.0.0.1`,
    ],
    { timeoutMs },
  );
}
