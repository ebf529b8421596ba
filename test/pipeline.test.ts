import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Receipt } from '../shared/core/receipt/receipt.js';
import { dynamoDbForFile } from './support/dynamodb.js';
import { importText, registerFor, type TestRegister } from './support/pipeline.js';
import { ROOT } from './support/run-cli.js';

const sample = (name: string) => readFileSync(join(ROOT, 'samples', name), 'utf8');
const expected = (name: string) =>
  JSON.parse(
    readFileSync(join(ROOT, 'samples', 'expected', `${name.replace('.xml', '')}.receipt.json`), 'utf8'),
  ) as Receipt;

function done(result: Awaited<ReturnType<typeof importText>>): Receipt {
  if (result.kind !== 'done') throw new Error(`import did not finish: ${JSON.stringify(result)}`);
  return result.receipt;
}

describe('the import pipeline on DynamoDB Local', () => {
  const db = dynamoDbForFile();
  const registers: TestRegister[] = [];
  const fresh = async (clubs: readonly string[]) => {
    const r = await registerFor(db.client, ['demo-vendor'], clubs);
    registers.push(r);
    return r;
  };

  afterAll(async () => {
    for (const r of registers) r.dispose();
  });

  it('on an empty register, judges the samples exactly as check does', async () => {
    for (const name of ['club-valid.xml', 'club-errors.xml']) {
      const want = expected(name);
      const register = await fresh([...new Set(want.activities.map((a) => a.club))]);
      const got = done(await importText(register, 'demo-vendor', name, sample(name)));
      expect(got.status).toBe(want.status);
      expect(got.activities).toEqual(want.activities);
      expect(got.errors).toEqual(want.errors);
      expect(got.counts).toEqual(want.counts);
      expect(got.totals).toEqual(want.totals);
    }
  }, 60_000);
});
