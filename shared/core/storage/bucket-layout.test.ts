import { describe, expect, it } from 'vitest';
import { changeReportKey } from '../pipeline/verdict-changes.js';
import { receiptKey } from '../pipeline/finish-upload.js';
import { CHANGE_REPORT_SUFFIX, LATER_CHANGES_AT } from '../receipt/receipt.js';
import {
  archiveKey,
  BUCKET_FOLDERS,
  folderPrefix,
  inboxKey,
  inboxPrefix,
  outboxPrefix,
  uploadWorkPrefix,
} from './bucket-layout.js';

const upload = { vendor: 'sportadmin', uploadId: 'u-1', file: 'export.xml' };

describe('the bucket layout', () => {
  it("keeps an upload in its vendor's inbox, then its archive folder, and its staged results under work/", () => {
    expect(inboxKey(upload)).toBe('inbox/sportadmin/export.xml');
    expect(inboxPrefix()).toBe('inbox/');
    expect(archiveKey(upload)).toBe('archive/sportadmin/u-1/export.xml');
    expect(uploadWorkPrefix(upload)).toBe('work/sportadmin/u-1/');
    expect(BUCKET_FOLDERS.map(folderPrefix)).toEqual([
      'inbox/',
      'archive/',
      'outbox/',
      'work/',
      'reports/',
      'privacy/',
    ]);
  });

  it('writes receipts and change reports in the outbox the receipt names to vendors (LATER_CHANGES_AT)', () => {
    expect(receiptKey(upload)).toBe(`${outboxPrefix('sportadmin')}export.xml.receipt.json`);
    const report = changeReportKey('sportadmin', { kind: 'nightly', date: '2026-12-05', part: 'p1' });
    expect(report.startsWith(outboxPrefix('sportadmin'))).toBe(true);
    expect(report.endsWith(`${CHANGE_REPORT_SUFFIX}.json`)).toBe(true);
    // The vendor sees its own outbox as `outbox/`: the receipt's pattern names that folder and the reports' suffix.
    expect(LATER_CHANGES_AT).toBe(`${folderPrefix('outbox')}*${CHANGE_REPORT_SUFFIX}.json`);
  });
});
