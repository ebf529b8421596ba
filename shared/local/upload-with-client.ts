import SftpClient from 'ssh2-sftp-client';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

/** Uploads files into a vendor's inbox with a real SFTP client (ssh2-sftp-client), as a vendor's system would. */
export async function uploadWithClient(options: {
  port: number;
  privateKeyPath: string;
  vendor: string;
  files: readonly string[];
}): Promise<void> {
  const client = new SftpClient();
  await client.connect({
    host: '127.0.0.1',
    port: options.port,
    username: options.vendor,
    privateKey: readFileSync(options.privateKeyPath),
    readyTimeout: 10_000,
  });
  try {
    for (const file of options.files) await client.put(file, `/inbox/${basename(file)}`);
  } finally {
    await client.end();
  }
}
