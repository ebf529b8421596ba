import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import SftpClient from 'ssh2-sftp-client';
import { describe, expect, it } from 'vitest';
import type { ChangeReport } from '../shared/core/pipeline/verdict-changes.js';
import type { Receipt } from '../shared/core/receipt/receipt.js';
import { DEMO_VENDOR } from '../shared/local/local-mode.js';
import { uploadWithClient } from '../shared/local/upload-with-client.js';
import { scratchForFile } from './support/for-file.js';
import { demoVendorClient, localModeForFile } from './support/local-mode.js';
import { waitFor } from './support/run-cli.js';
import { oneActivityFile, xmlOf } from './support/world.js';

const CLUB = '100042';

/** The demo vendor's file of the demo club: activity `A<a>` on Monday 2026-11-09 17:00, led by person 0, with four children. */
function fileWith(a: number): string {
  return xmlOf(oneActivityFile(DEMO_VENDOR, CLUB, 0, 0, a));
}

describe('local mode: a verdict changed after its receipt reaches the vendor over SFTP', () => {
  const data = scratchForFile('lok-local-changes-');
  const local = localModeForFile(data);

  /** The vendor's view of its outbox, through SFTP as its system sees it. */
  async function outbox<T>(work: (client: SftpClient) => Promise<T>): Promise<T> {
    const client = await demoVendorClient(local().sftpPort, local().demoKeyPath, { readyTimeout: 10_000 });
    try {
      return await work(client);
    } finally {
      await client.end();
    }
  }
  const fetchJson = async <T>(name: string): Promise<T | undefined> =>
    outbox(async (c) =>
      (await c.exists(`/outbox/${name}`)) ? (JSON.parse(String(await c.get(`/outbox/${name}`))) as T) : undefined,
    );
  const changeReports = () =>
    outbox(async (c) => (await c.list('/outbox')).map((f) => f.name).filter((name) => name.endsWith('.changes.json')));

  /** `fileWith(a)` uploaded by the demo vendor as `name`, and the receipt it then fetches from its outbox. */
  async function uploadAndReceipt(name: string, a: number, what: string): Promise<Receipt> {
    const path = join(data, name);
    writeFileSync(path, fileWith(a));
    await uploadWithClient({
      port: local().sftpPort,
      privateKeyPath: local().demoKeyPath,
      vendor: DEMO_VENDOR,
      files: [path],
    });
    return waitFor(what, () => fetchJson<Receipt>(`${name}.receipt.json`), 60_000);
  }

  it('A1 approved in its receipt; a later file puts A0 first with the same leader and children: one change report in outbox/', async () => {
    const receipt = await uploadAndReceipt('monday-a1.xml', 1, 'the first receipt');
    expect(receipt.activities.map((a) => [a.id, a.verdict])).toEqual([['A1', 'approved']]);
    expect(receipt.laterChanges).toBe('outbox/*.changes.json');
    const before = await changeReports();

    const secondReceipt = await uploadAndReceipt('monday-a0.xml', 0, 'the second receipt');
    expect(secondReceipt.activities.map((a) => [a.id, a.verdict])).toEqual([['A0', 'approved']]);

    const added = (await changeReports()).filter((name) => !before.includes(name));
    expect(added).toHaveLength(1);
    const report = (await fetchJson<ChangeReport>(added[0]!))!;
    expect(report.cause).toMatchObject({ by: 'your-upload', file: 'monday-a0.xml' });
    expect(report.changes.map((c) => [c.club, c.id, c.before.verdict, c.after.verdict, c.receiptOf])).toEqual([
      [CLUB, 'A1', 'approved', 'rejected', 'monday-a1.xml'],
    ]);
    const text = await outbox(async (c) => String(await c.get(`/outbox/${added[0]!.replace(/\.json$/, '.txt')}`)));
    expect(text).toContain('club 100042 activity A1 (2026-11-09), last in the receipt of monday-a1.xml');
  }, 120_000);
});
