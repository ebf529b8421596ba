import { spawn, spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { publicKeyOf } from '../shared/adapters/sftp/ssh-keys.js';
import { VendorKeyFiles } from '../shared/adapters/sftp/vendor-key-files.js';
import { sftpCommand } from '../shared/cli/start-command.js';
import type { Receipt } from '../shared/core/receipt/receipt.js';
import { DEMO_VENDOR, SFTP_HOST } from '../shared/local/local-mode.js';
import { scratchForFile } from './support/for-file.js';
import { localModeForFile } from './support/local-mode.js';
import { ROOT, waitFor } from './support/run-cli.js';

// Vendors' systems upload with whatever SFTP library their platform has. Each client here, from Debian's packages,
// uploads a file into local mode's inbox, checking the host key against the known_hosts file local mode writes, and
// fetches the file's receipt from the outbox. .ci/run installs every one of them: a client is skipped only when its
// binary is missing here and .ci/run would install it (the last test checks that it does).

interface Client {
  readonly name: string;
  /** The program that must be on this machine. */
  readonly binary: string;
  /** The Debian package .ci/run installs it from. */
  readonly debian: string;
}

const OPENSSH: Client = { name: 'OpenSSH sftp', binary: 'sftp', debian: 'openssh-client' };
const PARAMIKO: Client = {
  name: 'paramiko',
  binary: '/usr/lib/python3/dist-packages/paramiko',
  debian: 'python3-paramiko',
};
const JSCH: Client = { name: 'JSch', binary: '/usr/share/java/jsch.jar', debian: 'libjsch-java' };
const CURL: Client = { name: 'curl (libssh2)', binary: 'curl', debian: 'curl' };
const LFTP: Client = { name: 'lftp', binary: 'lftp', debian: 'lftp' };
const RCLONE: Client = { name: 'rclone', binary: 'rclone', debian: 'rclone' };
const CLIENTS = [OPENSSH, PARAMIKO, JSCH, CURL, LFTP, RCLONE];

/** Debian's python3, where python3-paramiko is installed (a python3 of pyenv or a venv may come first on the PATH). */
const PYTHON = '/usr/bin/python3';

const CI_RUN = readFileSync(join(ROOT, '.ci', 'run'), 'utf8');

function installed(client: Client): boolean {
  if (client.binary.startsWith('/')) return existsSync(client.binary) && (client !== PARAMIKO || existsSync(PYTHON));
  return spawnSync('sh', ['-c', `command -v ${client.binary}`]).status === 0;
}

/** Skipped only when missing here and installed by CI; missing and not installed by CI fails instead. */
const skip = (client: Client) => !installed(client) && CI_RUN.includes(client.debian);

interface Run {
  readonly status: number | null;
  readonly output: string;
}

/** A client process, run without blocking this process (the endpoint under test runs in it). */
function run(command: string, args: readonly string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 60_000): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => {
      output += d.toString('utf8');
    });
    child.stderr.on('data', (d: Buffer) => {
      output += d.toString('utf8');
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (error) => {
      output += String(error);
    });
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, output });
    });
  });
}

/** paramiko: `put` STATs the file right after CLOSE (and fails if it is gone); then utime (SETSTAT), poll, get. */
const PARAMIKO_SCRIPT = `
import sys, time, paramiko
host, port, user, key, known, local, name, out = sys.argv[1:9]
client = paramiko.SSHClient()
client.load_host_keys(known)
client.set_missing_host_key_policy(paramiko.RejectPolicy())
client.connect(host, port=int(port), username=user, key_filename=key, look_for_keys=False, allow_agent=False, timeout=10)
sftp = client.open_sftp()
sftp.put(local, 'inbox/' + name)
sftp.utime('inbox/' + name, (1700000000, 1700000000))
deadline = time.time() + 30
while True:
    try:
        sftp.get('outbox/' + name + '.receipt.json', out)
        break
    except FileNotFoundError:
        if time.time() > deadline:
            raise
        time.sleep(0.2)
client.close()
`;

/** JSch 0.1.5x: no ed25519, so an RSA login key (PEM) and the RSA or ECDSA host key, checked against known_hosts. */
const JSCH_SOURCE = `
import com.jcraft.jsch.ChannelSftp;
import com.jcraft.jsch.JSch;
import com.jcraft.jsch.Session;
import com.jcraft.jsch.SftpException;

public final class JschUpload {
  public static void main(String[] args) throws Exception {
    String host = args[0], user = args[2], key = args[3], knownHosts = args[4], local = args[5], name = args[6], out = args[7];
    JSch jsch = new JSch();
    jsch.setKnownHosts(knownHosts);
    jsch.addIdentity(key);
    Session session = jsch.getSession(user, host, Integer.parseInt(args[1]));
    session.setConfig("StrictHostKeyChecking", "yes");
    session.setConfig("server_host_key", args[8]);
    session.setConfig("PreferredAuthentications", "publickey");
    session.connect(10000);
    ChannelSftp sftp = (ChannelSftp) session.openChannel("sftp");
    sftp.connect(10000);
    sftp.put(local, "inbox/" + name);
    System.out.println("host key " + session.getHostKey().getType());
    long deadline = System.currentTimeMillis() + 30000;
    for (;;) {
      try {
        sftp.get("outbox/" + name + ".receipt.json", out);
        break;
      } catch (SftpException e) {
        if (e.id != ChannelSftp.SSH_FX_NO_SUCH_FILE || System.currentTimeMillis() > deadline) throw e;
        Thread.sleep(200);
      }
    }
    sftp.disconnect();
    session.disconnect();
  }
}
`;

describe('SFTP clients vendors build on, against local mode (host keys checked, upload, receipt fetched)', () => {
  const work = scratchForFile('lok-sftp-clients-');
  /** HOME for the clients: empty but for what a test puts there, so no user configuration helps them. */
  const home = join(work, 'home');
  mkdirSync(home);
  const noSamples = join(work, 'no-samples');
  mkdirSync(noSamples);
  const events: Record<string, unknown>[] = [];
  const local = localModeForFile(join(work, 'local'), { samplesDir: noSamples, log: (event) => events.push(event) });
  let uploadCount = 0;
  const receiptOnDisk = (file: string) =>
    join(local().layout.objectsDir, 'outbox', DEMO_VENDOR, `${file}.receipt.json`);

  /** A file of the demo vendor's that no earlier test sent (its own `created`), so each is applied on its own. */
  function newUpload(name: string): { path: string; name: string } {
    const created = `2026-11-23T02:${String(10 + uploadCount++).padStart(2, '0')}:00+01:00`;
    const text = readFileSync(join(ROOT, 'samples', 'club-valid.xml'), 'utf8').replace(
      'created="2026-11-22T02:00:00+01:00"',
      `created="${created}"`,
    );
    const path = join(work, name);
    writeFileSync(path, text);
    return { path, name };
  }

  /** The receipt a client fetched is the one the importer wrote for its upload. */
  function expectReceipt(fetched: string, file: string): void {
    const receipt = JSON.parse(readFileSync(fetched, 'utf8')) as Receipt;
    expect(receipt).toMatchObject({ file, vendor: DEMO_VENDOR, status: 'applied' });
    expect(readFileSync(fetched, 'utf8')).toBe(readFileSync(receiptOnDisk(file), 'utf8'));
  }

  it('the fingerprints local mode prints are the ones OpenSSH computes from the known_hosts it writes', async () => {
    expect(local().hostKeys.map((key) => key.type)).toEqual(['ed25519', 'ecdsa', 'rsa']);
    const listed = await run('ssh-keygen', ['-l', '-f', local().layout.knownHostsFile]);
    expect(listed.status, listed.output).toBe(0);
    for (const key of local().hostKeys)
      expect(listed.output).toContain(`${key.fingerprint} [${SFTP_HOST}]:${local().sftpPort}`);
  });

  it.skipIf(skip(OPENSSH))(
    'OpenSSH sftp: the printed command, as is, under -b (no question to answer), with an empty HOME',
    async () => {
      const upload = newUpload('openssh.xml');
      const [program, ...args] = sftpCommand(local()).split(' ');
      expect(program).toBe('sftp');
      const batch = join(work, 'openssh.batch');
      writeFileSync(batch, `put ${upload.path} inbox/${upload.name}\nls -l inbox\n`);
      const put = await run('sftp', ['-b', batch, ...args], { HOME: home });
      expect(put.status, put.output).toBe(0);
      await waitFor('the receipt', () => (existsSync(receiptOnDisk(upload.name)) ? true : undefined));
      const fetched = join(work, 'openssh.receipt.json');
      writeFileSync(batch, `get outbox/${upload.name}.receipt.json ${fetched}\n`);
      const get = await run('sftp', ['-b', batch, ...args], { HOME: home });
      expect(get.status, get.output).toBe(0);
      expectReceipt(fetched, upload.name);
    },
    60_000,
  );

  it.skipIf(skip(PARAMIKO))(
    'paramiko: put (which STATs after CLOSE), utime (SETSTAT), get',
    async () => {
      const upload = newUpload('paramiko.xml');
      const script = join(work, 'paramiko_upload.py');
      writeFileSync(script, PARAMIKO_SCRIPT);
      const fetched = join(work, 'paramiko.receipt.json');
      const result = await run(
        PYTHON,
        [
          script,
          SFTP_HOST,
          String(local().sftpPort),
          DEMO_VENDOR,
          local().demoKeyPath,
          local().layout.knownHostsFile,
          upload.path,
          upload.name,
          fetched,
        ],
        { HOME: home },
      );
      expect(result.status, result.output).toBe(0);
      expectReceipt(fetched, upload.name);
    },
    60_000,
  );

  describe.skipIf(skip(JSCH))('JSch 0.1.5x (no ed25519): an RSA login key, each of the older host key types', () => {
    let classes: string;
    let rsaKey: string;
    beforeAll(async () => {
      classes = join(work, 'jsch');
      mkdirSync(classes);
      writeFileSync(join(classes, 'JschUpload.java'), JSCH_SOURCE);
      const compiled = await run('javac', ['-cp', JSCH.binary, '-d', classes, join(classes, 'JschUpload.java')]);
      expect(compiled.status, compiled.output).toBe(0);
      // Old JSch reads PKCS#1 PEM keys, not the OpenSSH format.
      const { privateKey } = generateKeyPairSync('rsa', {
        modulusLength: 3072,
        privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
        publicKeyEncoding: { type: 'spki', format: 'pem' },
      });
      rsaKey = join(work, 'vendor_rsa.pem');
      writeFileSync(rsaKey, privateKey, { mode: 0o600 });
      new VendorKeyFiles(local().layout.vendorKeysDir).add(DEMO_VENDOR, publicKeyOf(privateKey));
    }, 60_000);

    it.each(['ssh-rsa', 'ecdsa-sha2-nistp256'])(
      'host key %s',
      async (algorithm) => {
        const upload = newUpload(`jsch-${algorithm}.xml`);
        const fetched = join(work, `jsch-${algorithm}.receipt.json`);
        const result = await run(
          'java',
          [
            '-cp',
            [JSCH.binary, classes].join(':'),
            'JschUpload',
            SFTP_HOST,
            String(local().sftpPort),
            DEMO_VENDOR,
            rsaKey,
            local().layout.knownHostsFile,
            upload.path,
            upload.name,
            fetched,
            algorithm,
          ],
          { HOME: home },
        );
        expect(result.status, result.output).toBe(0);
        expect(result.output).toContain(`host key ${algorithm}`);
        expectReceipt(fetched, upload.name);
      },
      60_000,
    );
  });

  it.skipIf(skip(CURL))(
    'curl (libssh2): upload and download, the host key checked against ~/.ssh/known_hosts',
    async () => {
      const upload = newUpload('curl.xml');
      const curlHome = join(work, 'curl-home');
      mkdirSync(join(curlHome, '.ssh'), { recursive: true });
      copyFileSync(local().layout.knownHostsFile, join(curlHome, '.ssh', 'known_hosts'));
      const publicKey = join(work, 'demo-vendor.pub');
      writeFileSync(publicKey, `${publicKeyOf(readFileSync(local().demoKeyPath, 'utf8'))}\n`);
      const base = `sftp://${SFTP_HOST}:${local().sftpPort}`;
      const curl = (...args: string[]) =>
        run(
          'curl',
          ['-sS', '--fail', '-u', `${DEMO_VENDOR}:`, '--key', local().demoKeyPath, '--pubkey', publicKey, ...args],
          { HOME: curlHome },
        );
      const put = await curl('-T', upload.path, `${base}/inbox/${upload.name}`);
      expect(put.status, put.output).toBe(0);
      await waitFor('the receipt', () => (existsSync(receiptOnDisk(upload.name)) ? true : undefined));
      const fetched = join(work, 'curl.receipt.json');
      const get = await curl('-o', fetched, `${base}/outbox/${upload.name}.receipt.json`);
      expect(get.status, get.output).toBe(0);
      expectReceipt(fetched, upload.name);
      // The check is real: a known_hosts naming another key for the endpoint is refused (60: the remote key was not OK).
      writeFileSync(
        join(curlHome, '.ssh', 'known_hosts'),
        `[${SFTP_HOST}]:${local().sftpPort} ${readFileSync(publicKey, 'utf8')}`,
      );
      expect(
        (await curl('-o', join(work, 'curl-refused.json'), `${base}/outbox/${upload.name}.receipt.json`)).status,
      ).toBe(60);
    },
    60_000,
  );

  it.skipIf(skip(LFTP))(
    'lftp (its own SFTP over ssh): put, ls, get',
    async () => {
      const upload = newUpload('lftp.xml');
      const connect = `set sftp:connect-program 'ssh -a -x -i ${local().demoKeyPath} -o UserKnownHostsFile=${local().layout.knownHostsFile} -o BatchMode=yes'; set net:max-retries 1; open -u ${DEMO_VENDOR}, sftp://${SFTP_HOST}:${local().sftpPort}`;
      const put = await run('lftp', ['-c', `${connect}; put ${upload.path} -o inbox/${upload.name}; ls inbox`], {
        HOME: home,
      });
      expect(put.status, put.output).toBe(0);
      await waitFor('the receipt', () => (existsSync(receiptOnDisk(upload.name)) ? true : undefined));
      const fetched = join(work, 'lftp.receipt.json');
      const get = await run('lftp', ['-c', `${connect}; get outbox/${upload.name}.receipt.json -o ${fetched}`], {
        HOME: home,
      });
      expect(get.status, get.output).toBe(0);
      expectReceipt(fetched, upload.name);
    },
    60_000,
  );

  it.skipIf(skip(RCLONE))(
    'rclone: copyto (which sets the modification time and STATs after CLOSE), then copyto back',
    async () => {
      const upload = newUpload('rclone.xml');
      const remote = [
        '--sftp-host',
        SFTP_HOST,
        '--sftp-port',
        String(local().sftpPort),
        '--sftp-user',
        DEMO_VENDOR,
        '--sftp-key-file',
        local().demoKeyPath,
        '--sftp-known-hosts-file',
        local().layout.knownHostsFile,
      ];
      const env = { HOME: home, RCLONE_CONFIG: join(work, 'rclone.conf') };
      const put = await run('rclone', ['copyto', upload.path, `:sftp:inbox/${upload.name}`, ...remote], env);
      expect(put.status, put.output).toBe(0);
      expect(put.output).not.toMatch(/ERROR/);
      await waitFor('the receipt', () => (existsSync(receiptOnDisk(upload.name)) ? true : undefined));
      const fetched = join(work, 'rclone.receipt.json');
      const get = await run('rclone', ['copyto', `:sftp:outbox/${upload.name}.receipt.json`, fetched, ...remote], env);
      expect(get.status, get.output).toBe(0);
      expectReceipt(fetched, upload.name);
    },
    60_000,
  );

  it('imported every upload exactly once, and left none in the inbox', async () => {
    await local().queue.idle();
    const done = events.filter((e) => e.event === 'upload-done');
    const files = done.map((e) => String(e.file)).sort();
    expect(new Set(files).size, files.join(', ')).toBe(files.length);
    expect(files.length).toBe(uploadCount);
    const archive = join(local().layout.objectsDir, 'archive', DEMO_VENDOR);
    const archived = readdirSync(archive)
      .flatMap((upload) => readdirSync(join(archive, upload)))
      .sort();
    expect(archived).toEqual(files);
    expect(
      readdirSync(join(local().layout.objectsDir, 'inbox', DEMO_VENDOR)).filter((f) => !f.startsWith('.')),
    ).toEqual([]);
  });

  it('.ci/run installs every client these tests use', () => {
    for (const client of CLIENTS) expect(CI_RUN, client.debian).toContain(client.debian);
  });
});
