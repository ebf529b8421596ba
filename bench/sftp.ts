/** The bench's SFTP clients (the upload and wave parts): ssh2-sftp-client, quiet, on the loopback. */
import SftpClient from 'ssh2-sftp-client';

/** A listener that says nothing (ssh2-sftp-client's default ones print every end and close). */
export const quiet = (): void => undefined;

/** An ssh2-sftp-client logged in as `vendor` with its private key (OpenSSH text), without its default listeners. */
export async function connectSftp(
  port: number,
  vendor: string,
  privateKey: string | Buffer,
  readyTimeout = 10_000,
): Promise<SftpClient> {
  const client = new SftpClient(vendor, { error: quiet, end: quiet, close: quiet });
  await client.connect({ host: '127.0.0.1', port, username: vendor, privateKey, readyTimeout });
  return client;
}
