import { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { FileVendorLogins } from '../shared/adapters/sftp/file-vendor-logins.js';
import { VendorKeyFiles } from '../shared/adapters/sftp/vendor-key-files.js';
import { answerAdminRequest } from '../shared/cli/admin-requests.js';
import type { AdminPorts } from '../shared/core/admin/admin-dispatch.js';
import { DynamoDbRegisterAdmin } from '../shared/adapters/dynamodb/register-admin-dynamodb.js';
import { registerTableDefinition } from '../shared/adapters/dynamodb/register-table.js';
import { activateVendor, addClub, addVendor, deactivateVendor } from '../shared/core/admin/admin-use-cases.js';
import type { Vendor } from '../shared/core/admin/register-admin.js';
import { dynamoDbForFile } from './support/dynamodb.js';
import { testClub } from './support/pipeline.js';

const vendor = (id: string, licence: Vendor['licence']): Vendor => ({
  id,
  name: `Vendor ${id}`,
  purpose: 'Medlemsregister och närvaro för LOK-stöd',
  licence,
});
describe('vendors, clubs and activations on DynamoDB Local', () => {
  const db = dynamoDbForFile();
  let store: DynamoDbRegisterAdmin;

  beforeAll(async () => {
    await db.client.send(new CreateTableCommand(registerTableDefinition('register')));
    store = new DynamoDbRegisterAdmin(DynamoDBDocumentClient.from(db.client), 'register');
    for (let i = 0; i < 101; i++) expect((await addClub(store, testClub(String(200000 + i)))).ok).toBe(true);
  }, 120_000);

  it('adds a vendor and a club once; the second time says they exist', async () => {
    expect(await addVendor(store, vendor('sportadmin', 'unlimited'))).toMatchObject({ ok: true });
    expect(await addVendor(store, vendor('sportadmin', 'unlimited'))).toMatchObject({
      ok: false,
      error: { code: 'VENDOR_EXISTS' },
    });
    expect(await addClub(store, testClub('200000'))).toMatchObject({ ok: false, error: { code: 'CLUB_EXISTS' } });
    expect(
      await addVendor(store, { ...vendor('x', 'unlimited'), licence: 'forever' as Vendor['licence'] }),
    ).toMatchObject({ ok: false, error: { code: 'INVALID_ADMIN_INPUT' } });
  });

  it('refuses the 101st active club under a 100-club licence (LICENCE_CLUB_LIMIT), not under an unlimited one', async () => {
    await addVendor(store, vendor('small', 'up-to-100-clubs'));
    await addVendor(store, vendor('big', 'unlimited'));
    for (let i = 0; i < 100; i++) {
      expect(await activateVendor(store, String(200000 + i), 'small', '2026-01-01')).toEqual({
        ok: true,
        value: 'activated',
      });
    }
    expect(await activateVendor(store, '200100', 'small', '2026-01-01')).toMatchObject({
      ok: false,
      error: { code: 'LICENCE_CLUB_LIMIT' },
    });
    expect(await store.activeClubs('small')).toHaveLength(100);
    for (let i = 0; i < 101; i++)
      expect((await activateVendor(store, String(200000 + i), 'big', '2026-01-01')).ok).toBe(true);

    // A club that deactivates frees its place; two clubs racing for it cannot both get it.
    expect(await deactivateVendor(store, '200000', 'small', '2026-06-30')).toEqual({ ok: true, value: 'deactivated' });
    const race = await Promise.all([
      activateVendor(store, '200100', 'small', '2026-07-01'),
      activateVendor(store, '200000', 'small', '2026-07-01'),
    ]);
    expect(race.filter((r) => r.ok)).toHaveLength(1);
    expect(race.filter((r) => !r.ok && r.error.code === 'LICENCE_CLUB_LIMIT')).toHaveLength(1);
    expect(await store.activeClubs('small')).toHaveLength(100);
  });

  it('tells unknown clubs and vendors apart, and an activation made twice', async () => {
    expect(await activateVendor(store, '999999', 'big', '2026-01-01')).toMatchObject({
      ok: false,
      error: { code: 'UNKNOWN_CLUB' },
    });
    expect(await activateVendor(store, '200000', 'nobody', '2026-01-01')).toMatchObject({
      ok: false,
      error: { code: 'UNKNOWN_VENDOR' },
    });
    expect(await activateVendor(store, '200000', 'big', '2026-02-01')).toEqual({ ok: true, value: 'already-active' });
    expect(await deactivateVendor(store, '200050', 'nobody', '2026-01-01')).toEqual({ ok: true, value: 'not-active' });
    expect(await activateVendor(store, '200000', 'big', '2026-13-01')).toMatchObject({
      ok: false,
      error: { code: 'INVALID_ADMIN_INPUT' },
    });
  });
});

describe("local mode's SFTP logins (FileVendorLogins) through the admin dispatcher, as Transfer Family's in the cloud", () => {
  const db = dynamoDbForFile();
  const KEY_A = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
  const KEY_B = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB';
  let keys: VendorKeyFiles;
  let ports: AdminPorts;

  beforeAll(async () => {
    await db.client.send(new CreateTableCommand(registerTableDefinition('logins')));
    const admin = new DynamoDbRegisterAdmin(DynamoDBDocumentClient.from(db.client), 'logins');
    keys = new VendorKeyFiles(mkdtempSync(join(tmpdir(), 'lok-keys-')));
    const unused = () => {
      throw new Error('not asked for by a login request');
    };
    ports = {
      admin,
      logins: () => new FileVendorLogins(keys, admin),
      applications: unused,
      status: unused,
      erasure: unused,
      clock: unused,
    };
  }, 120_000);

  it("onboards a vendor with its key, rotates (keeping the old one, then not) and disables it: the endpoint's key file follows", async () => {
    // A two-letter vendor id is a login name here (Transfer Family wants three or more).
    expect(
      await answerAdminRequest(ports, {
        action: 'vendor-add',
        vendor: vendor('v2', 'unlimited'),
        publicKey: `${KEY_A} it@vendor.example`,
      }),
    ).toEqual({ ok: true, value: { vendor: 'v2', login: 'created', registered: 'added' } });
    // The comment (often an e-mail address) is not kept.
    expect(keys.keys('v2')).toEqual([KEY_A]);
    expect(
      await answerAdminRequest(ports, { action: 'vendor-key-rotate', vendor: 'v2', publicKey: KEY_B, keepOld: true }),
    ).toEqual({ ok: true, value: { added: KEY_B, removed: [] } });
    expect(keys.keys('v2')).toEqual([KEY_A, KEY_B]);
    expect(
      await answerAdminRequest(ports, { action: 'vendor-key-rotate', vendor: 'v2', publicKey: KEY_B, keepOld: false }),
    ).toEqual({ ok: true, value: { added: KEY_B, removed: [KEY_A] } });
    expect(keys.keys('v2')).toEqual([KEY_B]);
    expect(await answerAdminRequest(ports, { action: 'vendor-disable', vendor: 'v2' })).toEqual({
      ok: true,
      value: { removed: [KEY_B] },
    });
    expect(keys.keys('v2')).toEqual([]);
    // Onboarding the disabled vendor again with a key opens its login again.
    expect(
      await answerAdminRequest(ports, { action: 'vendor-add', vendor: vendor('v2', 'unlimited'), publicKey: KEY_A }),
    ).toEqual({ ok: true, value: { vendor: 'v2', login: 'exists', registered: 'exists' } });
    expect(keys.keys('v2')).toEqual([KEY_A]);
  });

  it('refuses a vendor the register does not know (no key file written for it) and a request off the schema', async () => {
    expect(
      await answerAdminRequest(ports, {
        action: 'vendor-key-rotate',
        vendor: 'nobody',
        publicKey: KEY_A,
        keepOld: false,
      }),
    ).toMatchObject({ ok: false, error: { code: 'UNKNOWN_VENDOR' } });
    expect(await answerAdminRequest(ports, { action: 'vendor-disable', vendor: 'nobody' })).toMatchObject({
      ok: false,
      error: { code: 'UNKNOWN_VENDOR' },
    });
    expect(keys.exists('nobody')).toBe(false);
    expect(
      await answerAdminRequest(ports, { action: 'vendor-key-rotate', vendor: 'v2', publicKey: KEY_A }),
    ).toMatchObject({ ok: false, error: { code: 'INVALID_ADMIN_INPUT', message: expect.stringContaining('keepOld') } });
  });
});
