import { ScanCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { DynamoDbApplicationStore } from '../shared/adapters/dynamodb/application-store-dynamodb.js';
import type { Submission } from '../shared/core/application/ports.js';
import type { StoredMembership, StoredTotals } from '../shared/core/pipeline/stored.js';
import type { LedgerEntry } from '../shared/core/pipeline/upload.js';
import { dynamoDbForFile } from './support/dynamodb.js';
import { registerFor, testClub } from './support/pipeline.js';

/** An item as its keys and each attribute's DynamoDB type (S, N, BOOL, L), values of the keys and of `d` kept. */
function shapeOf(item: Record<string, AttributeValue>): Record<string, string> {
  const shape: Record<string, string> = {};
  for (const [name, value] of Object.entries(item)) {
    shape[name] = ['pk', 'sk', 'gsi1pk', 'gsi1sk'].includes(name) ? value.S! : Object.keys(value)[0]!;
  }
  return shape;
}

// The register's items as they were stored before their keys and encoding got one home each (issue 17): a change of
// what is stored shows here, and old items keep reading back the same.
describe("the register's items as stored (DynamoDB Local)", () => {
  const db = dynamoDbForFile();

  it('keeps every kind of item in its keys and encoding', async () => {
    const register = await registerFor(db.client, ['v1'], [testClub('100001')]);
    const { store } = register.ports;
    const entry: LedgerEntry = {
      vendor: 'v1',
      uploadId: 'u1',
      file: 'a.xml',
      completedAt: '2026-11-25T10:00:00.000Z',
      stage: 'queued',
      receivedAt: '2026-11-25T10:00:01.000Z',
    };
    await store.createUpload(entry);
    await store.openClubs(entry, ['100001']);
    await store.claimFile('v1', 'abc', 'u1');
    // Claimed by u1, released by its failure, taken over by u3 (with u1's failure), refused to u4.
    await store.claimFile('v1', 'def', 'u1');
    await store.releaseFile('v1', 'def', 'u1');
    expect(await store.claimFile('v1', 'def', 'u3')).toEqual({ owner: 'u3', failed: ['u1'] });
    expect(await store.claimFile('v1', 'def', 'u4')).toEqual({ owner: 'u3', failed: [] });
    await store.addWaiter(entry, 'u2', 'token-1');
    await store.bumpHeads(['p1'], 'u1');
    const totals: StoredTotals = { totals: {} as StoredTotals['totals'], closed: false };
    await store.putTotals('100001', '2026-2', totals, 0);
    const membership: StoredMembership = { pid: 'p1', club: '100001', vendor: 'v1', ref: 'r1', memberships: [] };
    await store.write([{ kind: 'membership', value: membership }]);
    await store.putClubUpload('100001', entry);
    const submission = {
      club: '100001',
      period: '2026-2',
      kind: 'main',
      submittedAt: '2026-11-25T11:00:00.000Z',
      by: 'x',
      requestId: 'q',
      activities: [],
    } as unknown as Submission;
    await new DynamoDbApplicationStore(DynamoDBDocumentClient.from(db.client), register.table).record(submission);

    const items =
      (await db.client.send(new ScanCommand({ TableName: register.table, ConsistentRead: true }))).Items ?? [];
    const shapes = items.map(shapeOf).sort((a, b) => `${a.pk}|${a.sk}`.localeCompare(`${b.pk}|${b.sk}`));
    const order = '2026-11-25T10:00:00.000Z#u1';
    expect(shapes).toEqual([
      {
        pk: 'CLUB#100001',
        sk: 'ACTIVATION#v1',
        gsi1pk: 'VENDOR#v1',
        gsi1sk: 'CLUB#100001',
        club: 'S',
        vendor: 'S',
        from: 'S',
        active: 'BOOL',
      },
      {
        pk: 'CLUB#100001',
        sk: 'META',
        gsi1pk: 'CLUBS',
        gsi1sk: '100001',
        id: 'S',
        name: 'S',
        sports: 'L',
        federation: 'S',
        identityKey: 'S',
        countsEveryoneAsDisabled: 'BOOL',
        submittedPeriods: 'L',
      },
      { pk: 'CLUB#100001', sk: 'SUBMISSION#2026-2#main', d: 'S' },
      { pk: 'CLUB#100001', sk: `UPLOAD#${order}`, d: 'S' },
      { pk: 'HEAD#p1', sk: 'HEAD', v: 'N', first: 'S', last: 'S' },
      { pk: 'PERSON#p1', sk: 'MEMBER#100001#v1', gsi1pk: 'MEMBERS#100001', gsi1sk: 'p1#v1', d: 'S' },
      { pk: 'TOTALS#100001', sk: '2026-2', d: 'S', rev: 'N' },
      { pk: 'VENDOR#v1', sk: 'FILE#abc', uploadId: 'S' },
      { pk: 'VENDOR#v1', sk: 'FILE#def', uploadId: 'S', failed: 'L' },
      { pk: 'VENDOR#v1', sk: 'META', id: 'S', name: 'S', purpose: 'S', licence: 'S', activeClubs: 'N' },
      { pk: 'VENDOR#v1', sk: `OPENCLUB#100001#${order}`, uploadId: 'S', completedAt: 'S' },
      { pk: 'VENDOR#v1', sk: `UPLOAD#${order}`, gsi1pk: 'OPEN-UPLOADS', gsi1sk: `v1#${order}`, d: 'S' },
      { pk: 'VENDOR#v1', sk: 'WAITER#u1#u2', token: 'S' },
    ]);
    // Documents hold their value as JSON, records their fields as attributes.
    const item = (pk: string, sk: string) => items.find((i) => i.pk!.S === pk && i.sk!.S === sk)!;
    expect(JSON.parse(item(`VENDOR#v1`, `UPLOAD#${order}`).d!.S!)).toEqual(entry);
    expect(JSON.parse(item('PERSON#p1', 'MEMBER#100001#v1').d!.S!)).toEqual(membership);
    expect(item('TOTALS#100001', '2026-2').rev).toEqual({ N: '1' });
    expect(item('HEAD#p1', 'HEAD')).toMatchObject({ v: { N: '1' }, first: { S: 'u1' }, last: { S: 'u1' } });
    expect(item('VENDOR#v1', 'META')).toMatchObject({ licence: { S: 'unlimited' }, activeClubs: { N: '1' } });
    expect(item('CLUB#100001', 'META').submittedPeriods).toEqual({ L: [{ S: '2026-2' }] });

    // And each reads back as it was written.
    const state = (await store.clubs(['100001'])).get('100001')!;
    expect(state).toEqual({
      club: testClub('100001'),
      activations: [{ vendor: 'v1', from: '2020-01-01', active: true }],
      submittedPeriods: ['2026-2'],
      supplementedPeriods: [],
    });
    expect(await register.admin.vendor('v1')).toEqual({
      id: 'v1',
      name: 'Vendor v1',
      purpose: 'LOK-stöd',
      licence: 'unlimited',
    });
    expect(await register.admin.activeClubs('v1')).toEqual(['100001']);
    expect(await store.totals('100001', '2026-2')).toEqual({ value: totals, revision: 1 });
    expect(await store.heads(['p1'])).toEqual(new Map([['p1', { version: 1, first: 'u1' }]]));
    expect(await store.membersOf('100001')).toEqual([{ pid: 'p1', vendor: 'v1' }]);
    expect(await store.takeWaiters(entry)).toEqual([{ waiter: 'u2', token: 'token-1' }]);
    expect(await store.findUpload('v1', 'u1')).toEqual(entry);
    expect(await store.uploadsOf({ club: '100001' }, 10)).toEqual([entry]);
    register.dispose();
  }, 60_000);
});
