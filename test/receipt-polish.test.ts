import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stockholmDateOf } from '../shared/adapters/clock/stockholm-date.js';
import { fileSource } from '../shared/adapters/local-disk/file-source.js';
import { stringSource } from '../shared/adapters/memory/string-source.js';
import { checkImport } from '../shared/core/check/check-import.js';
import { receiptKey } from '../shared/core/pipeline/finish-upload.js';
import { failUpload } from '../shared/core/pipeline/run-import.js';
import { LATER_CHANGES_AT, RECEIPT_FORMAT_VERSION, type Receipt } from '../shared/core/receipt/receipt.js';
import { receiptText } from '../shared/core/receipt/receipt-text.js';
import { dynamoDbForFile } from './support/dynamodb.js';
import { clockAt, importText, registerFor, uploadOf, type TestRegister } from './support/pipeline.js';

const TODAY = '2026-11-25';
const VENDOR = 'demo-vendor';
const CLUB = '100042';
const sample = (name: string) => new URL(`../samples/${name}`, import.meta.url).pathname;

async function check(name: string): Promise<Receipt> {
  return checkImport(fileSource(sample(name)), {
    today: TODAY,
    now: () => `${TODAY}T00:00:00.000Z`,
    swedishDateOf: stockholmDateOf,
  });
}

/** The receipt as the outbox holds it (JSON and text). */
function written(register: TestRegister, file: string): { json: string; text: string } {
  const at = (kind: 'json' | 'txt') =>
    readFileSync(join(register.folder, receiptKey({ vendor: VENDOR, file }, kind)), 'utf8');
  return { json: at('json'), text: at('txt') };
}

describe('the receipt, polished (issue 14, items 6 and 8)', () => {
  it("check's receipt carries formatVersion first, and no laterChanges (it stores nothing)", async () => {
    for (const name of ['club-valid.xml', 'rejected-doctype.xml']) {
      const receipt = await check(name);
      expect(Object.keys(receipt)[0]).toBe('formatVersion');
      expect(receipt.formatVersion).toBe(RECEIPT_FORMAT_VERSION);
      expect(receipt).not.toHaveProperty('laterChanges');
      expect(receiptText(receipt)).toContain(`format ${RECEIPT_FORMAT_VERSION}`);
    }
  });

  it(".txt: a count of one is singular, of several plural; check labels its totals as the file's", async () => {
    const receipt = await check('club-valid.xml');
    const text = receiptText(receipt);
    expect(text).toContain(
      'totals of this file:\n  club 100042 period 2026-2: 3 approved activities, 11 deltagartillfällen, forecast 146.60 SEK',
    );
    expect(text).not.toContain('register total');
    const one = { ...receipt, totals: [{ ...receipt.totals![0]!, approvedActivities: 1, participations: 1 }] };
    expect(receiptText(one)).toContain('1 approved activity, 1 deltagartillfälle, forecast');
    expect(receiptText(one)).not.toMatch(/\b1 approved activities|\b1 deltagartillfällen/);
  });

  describe('through the pipeline (DynamoDB Local)', () => {
    const db = dynamoDbForFile();

    const register = (): Promise<TestRegister> => registerFor(db.client, [VENDOR], [CLUB]);

    it("the period line is the club's register total, labelled so; formatVersion and laterChanges in JSON and text", async () => {
      const r = await register();
      await importText(r, VENDOR, 'club-valid.xml', readFileSync(sample('club-valid.xml'), 'utf8'), TODAY);
      const { json, text } = written(r, 'club-valid.xml');
      const receipt = JSON.parse(json) as Receipt;
      expect(Object.keys(receipt)[0]).toBe('formatVersion');
      expect(receipt).toMatchObject({ formatVersion: RECEIPT_FORMAT_VERSION, laterChanges: LATER_CHANGES_AT });
      expect(text).toContain(
        'register totals (every vendor of the club, not this file alone):\n  register total for club 100042 period 2026-2: 3 approved activities, 11 deltagartillfällen, forecast 146.60 SEK',
      );
      expect(text).toContain(`reported in ${LATER_CHANGES_AT}`);
      r.dispose();
    }, 60_000);

    it('a duplicate says of which earlier upload it is a copy (field and text)', async () => {
      const r = await register();
      const xml = readFileSync(sample('club-valid.xml'), 'utf8');
      const first = uploadOf(VENDOR, 'club-valid.xml');
      await importText(r, VENDOR, first.file, xml, TODAY, first);
      const again = await importText(r, VENDOR, 'club-valid-again.xml', xml, TODAY);
      expect(again.kind).toBe('done');
      const receipt = JSON.parse(written(r, 'club-valid-again.xml').json) as Receipt;
      const entry = await r.ports.store.upload(VENDOR, first.uploadId, first.completedAt);
      expect(receipt.status).toBe('duplicate');
      expect(receipt.duplicateOf).toEqual({
        file: 'club-valid.xml',
        uploadId: first.uploadId,
        receivedAt: entry!.receivedAt,
      });
      expect(written(r, 'club-valid-again.xml').text).toContain(
        `duplicate of club-valid.xml (upload ${first.uploadId}, received ${entry!.receivedAt})`,
      );
      r.dispose();
    }, 60_000);

    it('a rejected activity has no payment field in the written receipt (absent, never null)', async () => {
      const r = await register();
      await importText(r, VENDOR, 'club-errors.xml', readFileSync(sample('club-errors.xml'), 'utf8'), TODAY);
      const { json } = written(r, 'club-errors.xml');
      const receipt = JSON.parse(json) as Receipt;
      const rejected = receipt.activities.filter((a) => a.verdict === 'rejected');
      expect(rejected.length).toBeGreaterThan(0);
      for (const a of rejected) expect(Object.keys(a)).not.toContain('payment');
      for (const a of receipt.activities.filter((x) => x.verdict === 'approved')) expect(a.payment).toBeDefined();
      expect(json).not.toContain('null');
      expect(JSON.stringify(await check('club-errors.xml'))).not.toContain('null');
      r.dispose();
    }, 60_000);

    it("a failed upload's IMPORT_FAILED receipt carries formatVersion and laterChanges too", async () => {
      const r = await register();
      const upload = uploadOf(VENDOR, 'never-read.xml');
      const receipt = await failUpload(r.ports, upload, clockAt(TODAY));
      expect(receipt).toMatchObject({
        formatVersion: RECEIPT_FORMAT_VERSION,
        laterChanges: LATER_CHANGES_AT,
        errors: [expect.objectContaining({ code: 'IMPORT_FAILED' })],
      });
      r.dispose();
    }, 60_000);
  });

  it('a leader busy in an overlapping activity: the JSON and the .txt name that activity', async () => {
    const person = (id: string, pnr: string) =>
      `<Person id="${id}"><PersonalNumber>${pnr}</PersonalNumber><FirstName>A</FirstName><LastName>B</LastName><Membership from="2020-01-01"/></Person>`;
    const activity = (id: string, start: string, end: string) =>
      `<Activity id="${id}"><Date>2026-11-18</Date><Start>${start}</Start><End>${end}</End><Sport>Fotboll</Sport><Place>Vallen</Place><Leader ref="L"/><Participant ref="P1"/><Participant ref="P2"/><Participant ref="P3"/></Activity>`;
    const xml = `<?xml version="1.0" encoding="UTF-8"?>
<Import xmlns="urn:lok-importer:import:1" vendor="${VENDOR}" created="2026-11-20T02:00:00+01:00"><Club id="${CLUB}">
<Persons>${person('L', '198001019804')}${person('P1', '201003151238')}${person('P2', '201106101270')}${person('P3', '201204222382')}</Persons>
<Activities>${activity('A-1', '17:00', '18:00')}${activity('A-2', '17:30', '18:30')}</Activities>
</Club></Import>`;
    const receipt = await checkImport(stringSource('busy.xml', xml), {
      today: TODAY,
      now: () => `${TODAY}T00:00:00.000Z`,
      swedishDateOf: stockholmDateOf,
    });
    const second = receipt.activities.find((a) => a.id === 'A-2');
    expect(second?.leaders).toEqual([
      { ref: 'L', valid: false, reasons: ['LEADER_OVERLAPPING_ACTIVITY'], overlapsWith: { id: 'A-1' } },
    ]);
    expect(receiptText(receipt)).toContain('leader L: LEADER_OVERLAPPING_ACTIVITY (already leads activity A-1)');
  });
});
