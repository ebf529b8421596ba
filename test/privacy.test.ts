import { ScanCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HmacHasher } from '../shared/adapters/crypto/hmac-hasher.js';
import { DynamoDbPrivacyStore } from '../shared/adapters/dynamodb/privacy-store-dynamodb.js';
import { erasePersonOnRequest } from '../shared/core/admin/person-erasure.js';
import { activateVendor, addVendor } from '../shared/core/admin/admin-use-cases.js';
import type { PipelinePorts, RegisterStore } from '../shared/core/pipeline/ports.js';
import { reconcile } from '../shared/core/pipeline/reconcile.js';
import { ARCHIVE_NOTE, erasePerson, erasureKey, type ErasureReport } from '../shared/core/privacy/erase-person.js';
import { retentionCutoff, type ArchivePurge } from '../shared/core/privacy/retention.js';
import { archiveKey } from '../shared/core/storage/bucket-layout.js';
import { dynamoDbForFile } from './support/dynamodb.js';
import { clockAt, importText, registerFor, TEST_KEY, uploadOf, type TestRegister } from './support/pipeline.js';
import { ROOT } from './support/run-cli.js';

const CLUB = '100042';
const VENDOR = 'demo-vendor';
const TODAY = '2026-11-25';
const valid = readFileSync(join(ROOT, 'samples', 'club-valid.xml'), 'utf8');
/** P-2002, Stina Hägglund: leader of A-5002 (with P-2001) and of A-5003 (alone). */
const ERASED = {
  ref: 'P-2002',
  personnummer: '200201018967',
  tenDigits: '020101-8967',
  firstName: 'Stina',
  lastName: 'Hägglund',
};

/** The sample without the person: what the register judges once the person is erased, judged from scratch. */
function sampleWithout(ref: string): string {
  return valid
    .replace(new RegExp(`\\s*<Person id="${ref}">[\\s\\S]*?</Person>`), '')
    .replace(new RegExp(`\\s*<(Leader|Participant) ref="${ref}"[^>]*/>`, 'g'), '');
}

type Item = Record<string, AttributeValue>;

describe('data protection on DynamoDB Local', () => {
  const db = dynamoDbForFile();
  const registers: TestRegister[] = [];
  afterAll(() => {
    for (const r of registers) r.dispose();
  });

  async function imported(xml = valid): Promise<TestRegister> {
    const register = await registerFor(db.client, [VENDOR], [CLUB]);
    registers.push(register);
    const result = await importText(register, VENDOR, 'club.xml', xml, TODAY);
    expect(result.kind).toBe('done');
    return register;
  }

  const privacyOf = (register: TestRegister) => new DynamoDbPrivacyStore(db.client, register.table);

  async function scan(register: TestRegister): Promise<Item[]> {
    const items: Item[] = [];
    let start: Item | undefined;
    do {
      const page = await db.client.send(
        new ScanCommand({
          TableName: register.table,
          ConsistentRead: true,
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      items.push(...((page.Items ?? []) as Item[]));
      start = page.LastEvaluatedKey as Item | undefined;
    } while (start);
    return items;
  }

  async function verdicts(register: TestRegister) {
    const stored = await register.ports.store.verdictsOf(CLUB, '2026-2');
    return stored.map((v) => ({ id: v.id, verdict: v.verdict })).sort((a, b) => (a.id < b.id ? -1 : 1));
  }

  async function pidOf(register: TestRegister, ref: string): Promise<string> {
    const { persons } = await register.ports.store.linksOf(VENDOR, CLUB);
    return persons.find((p) => p.ref === ref)!.pid;
  }

  it('erases a person by personnummer: gone from the register, out of every activity, which are judged as if never named', async () => {
    const register = await imported();
    const pid = await pidOf(register, ERASED.ref);
    const result = await erasePersonOnRequest(register.ports, privacyOf(register), clockAt(TODAY), {
      personnummer: ERASED.tenDigits,
    });
    expect(result.ok).toBe(true);
    const report = (result as { value: ErasureReport }).value;
    expect(report).toEqual({
      pid,
      outcome: 'erased',
      erasedOn: TODAY,
      removed: { person: 1, identityKeys: 1, memberships: 1, links: 1, calendars: 1, activities: 2 },
      remains: ARCHIVE_NOTE,
    });
    expect(JSON.stringify(report)).not.toMatch(/200201018967|0201018967|Stina|Hägglund/);

    const fromScratch = await imported(sampleWithout(ERASED.ref));
    expect(await verdicts(register)).toEqual(await verdicts(fromScratch));
    expect((await verdicts(register)).find((v) => v.id === 'A-5003')!.verdict.verdict).toBe('rejected');
    expect(await register.ports.store.totals(CLUB, '2026-2').then((t) => t.value?.totals)).toEqual(
      await fromScratch.ports.store.totals(CLUB, '2026-2').then((t) => t.value?.totals),
    );

    const naming = (await scan(register)).filter((item) => JSON.stringify(item).includes(pid)).map((i) => i.pk!.S);
    expect(naming).toEqual([`HEAD#${pid}`]);
    const text = JSON.stringify(await scan(register));
    for (const value of [ERASED.personnummer, ERASED.firstName, ERASED.lastName]) expect(text).not.toContain(value);

    // The same request again, by either form or by id: the same report, nothing more changed.
    const before = await scan(register);
    expect(
      await erasePersonOnRequest(register.ports, privacyOf(register), clockAt('2026-11-26'), {
        personnummer: ERASED.personnummer,
      }),
    ).toEqual(result);
    expect(await erasePersonOnRequest(register.ports, privacyOf(register), clockAt('2026-11-26'), { pid })).toEqual(
      result,
    );
    expect(await scan(register)).toEqual(before);

    // The vendor's next file naming the person again creates them anew (the club must stop sending them).
    const again = await importText(
      register,
      VENDOR,
      'club-again.xml',
      valid.replace('created="2026-11-22T02:00:00+01:00"', 'created="2026-11-23T02:00:00+01:00"'),
      TODAY,
    );
    expect(again.kind).toBe('done');
    expect(await pidOf(register, ERASED.ref)).toBe(pid);
  }, 120_000);

  it('erases exactly once under retries: a failure after any write, then the request again, ends as one erasure', async () => {
    const reference = await imported();
    const pid = await pidOf(reference, ERASED.ref);
    const wantReport = await erasePerson(reference.ports, privacyOf(reference), clockAt(TODAY), { pid });
    const want = await verdicts(reference);

    for (let failAt = 1; ; failAt++) {
      const register = await imported();
      let writes = 0;
      const failing = new Proxy(register.ports.store, {
        get(target, name, receiver) {
          const value = Reflect.get(target, name, receiver) as unknown;
          if (name !== 'write' || typeof value !== 'function')
            return typeof value === 'function' ? value.bind(target) : value;
          return async (...args: Parameters<RegisterStore['write']>) => {
            if (++writes === failAt) throw new Error('ProvisionedThroughputExceededException');
            return target.write(...args);
          };
        },
      });
      const ports: PipelinePorts = { ...register.ports, store: failing };
      const first = await erasePersonOnRequest(ports, privacyOf(register), clockAt(TODAY), {
        personnummer: ERASED.personnummer,
      }).then(
        () => 'done',
        () => 'failed',
      );
      const retried = await erasePersonOnRequest(register.ports, privacyOf(register), clockAt(TODAY), {
        personnummer: ERASED.personnummer,
      });
      expect(retried.ok, `failure at write ${failAt}`).toBe(true);
      expect((retried as { value: ErasureReport }).value, `failure at write ${failAt}`).toEqual(wantReport);
      expect(await verdicts(register)).toEqual(want);
      const naming = (await scan(register)).filter((item) => JSON.stringify(item).includes(pid)).map((i) => i.pk!.S);
      expect(naming, `failure at write ${failAt}`).toEqual([`HEAD#${pid}`]);
      expect(await register.ports.objects.get(`privacy/erasures/${pid}.pending.json`)).toBeUndefined();
      if (first === 'done') break;
    }
  }, 600_000);

  it('refuses an unknown person (UNKNOWN_PERSON) and a malformed request (INVALID_ADMIN_INPUT), echoing no personnummer', async () => {
    const register = await imported();
    const privacy = privacyOf(register);
    const unknown = await erasePersonOnRequest(register.ports, privacy, clockAt(TODAY), {
      personnummer: '191212121212',
    });
    expect(unknown).toMatchObject({ ok: false, error: { code: 'UNKNOWN_PERSON' } });
    expect(await erasePersonOnRequest(register.ports, privacy, clockAt(TODAY), {})).toMatchObject({
      ok: false,
      error: { code: 'INVALID_ADMIN_INPUT' },
    });
    const bad = await erasePersonOnRequest(register.ports, privacy, clockAt(TODAY), { personnummer: '200201018968' });
    expect(bad).toMatchObject({ ok: false, error: { code: 'INVALID_ADMIN_INPUT' } });
    expect(JSON.stringify(bad)).not.toContain('0201018968');
  }, 120_000);

  it('the nightly job purges what is past the retention: old periods, persons left with nothing, archived files', async () => {
    const register = await imported();
    const upload = uploadOf(VENDOR, 'archived.xml');
    await importText(register, VENDOR, 'archived.xml', valid, TODAY, upload);
    const archived = join(register.folder, archiveKey(upload));
    mkdirSync(dirname(archived), { recursive: true });
    writeFileSync(archived, valid);
    const privacy = privacyOf(register);
    const archive: ArchivePurge = {
      remove: async (key) => {
        const path = join(register.folder, key);
        if (!existsSync(path)) return false;
        rmSync(path);
        return true;
      },
    };
    const night = (today: string) =>
      reconcile(register.ports, clockAt(today), {
        open: () => undefined,
        stuckAfterMs: 3_600_000,
        sleep: async () => undefined,
        purge: { privacy, archive },
      });

    // The archived file is kept seven years from its upload (2026-11-25), 2026-2's verdicts from its final date (2027-06-15).
    expect(retentionCutoff('2033-11-25')).toBe('2026-11-25');
    expect(retentionCutoff('2036-02-29')).toBe('2029-02-28');
    expect((await night('2033-11-25')).purged).toEqual({
      cutoff: '2026-11-25',
      periods: [],
      persons: 0,
      archivedFiles: 0,
    });
    expect(existsSync(archived)).toBe(true);
    expect((await night('2034-06-15')).purged).toEqual({
      cutoff: '2027-06-15',
      periods: [],
      persons: 0,
      archivedFiles: 1,
    });
    expect(existsSync(archived)).toBe(false);
    expect(await verdicts(register)).toHaveLength(3);

    const pids = new Map<string, string>();
    for (const ref of ['P-1001', 'P-1002', 'P-2002']) pids.set(ref, await pidOf(register, ref));
    const purged = await night('2034-06-16');
    // P-1002's membership ended 2026-12-31; every other person's is open: they stay, without their activities.
    expect(purged.purged).toEqual({
      cutoff: '2027-06-16',
      periods: [{ club: CLUB, period: '2026-2', activities: 3 }],
      persons: 1,
      archivedFiles: 0,
    });
    expect(await verdicts(register)).toEqual([]);
    const items = await scan(register);
    expect(items.filter((i) => /^(CAL#|VERDICTS#)/.test(i.pk!.S!) || i.sk!.S!.startsWith('A#'))).toEqual([]);
    expect(items.some((i) => JSON.stringify(i).includes(pids.get('P-1002')!) && !i.pk!.S!.startsWith('HEAD#'))).toBe(
      false,
    );
    expect(items.some((i) => i.pk!.S === `PERSON#${pids.get('P-1001')}`)).toBe(true);
    expect(await register.ports.objects.get(erasureKey(pids.get('P-1002')!))).toBeDefined();

    const again = await night('2034-06-17');
    expect(again.purged).toEqual({ cutoff: '2027-06-17', periods: [], persons: 0, archivedFiles: 0 });
  }, 180_000);

  it('the identity key restored from its backup finds every person imported before; another key, or the key decoded from hex, finds none', async () => {
    const key = '0123456789abcdef'.repeat(4);
    const base = await registerFor(db.client, [VENDOR], [CLUB]);
    registers.push(base);
    const register: TestRegister = { ...base, ports: { ...base.ports, hasher: new HmacHasher(key) } };
    expect((await importText(register, VENDOR, 'club.xml', valid, TODAY)).kind).toBe('done');
    const before = await pidOf(register, 'P-1001');

    // The backup is the key's exact text (docs/operations.md, The identity key: backup and restore).
    const backup = join(register.folder, 'identity-key.backup');
    writeFileSync(backup, key, { mode: 0o600 });
    const restored = readFileSync(backup, 'utf8');

    // Another vendor sends the same person (the same personnummer, its own id): found through the national key.
    const matched = async (hasher: HmacHasher, vendor: string): Promise<boolean> => {
      await addVendor(register.admin, { id: vendor, name: vendor, purpose: 'LOK-stöd', licence: 'unlimited' });
      await activateVendor(register.admin, CLUB, vendor, '2020-01-01');
      const xml = valid.replace('vendor="demo-vendor"', `vendor="${vendor}"`).replace(/P-1001/g, 'X-1');
      const result = await importText(
        { ...register, ports: { ...register.ports, hasher } },
        vendor,
        `${vendor}.xml`,
        xml,
        TODAY,
      );
      expect(result.kind).toBe('done');
      const { persons } = await register.ports.store.linksOf(vendor, CLUB);
      return persons.find((p) => p.ref === 'X-1')!.pid === before;
    };
    expect(await matched(new HmacHasher(restored), 'vendor-restored')).toBe(true);
    expect(await matched(new HmacHasher(Buffer.from(restored, 'hex')), 'vendor-decoded')).toBe(false);
    expect(await matched(new HmacHasher(TEST_KEY), 'vendor-other-key')).toBe(false);
  }, 180_000);
});
