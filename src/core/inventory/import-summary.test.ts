import { test } from 'node:test';
import assert from 'node:assert/strict';
import { maxImportNotices, summariseImport } from './import-summary.ts';
import type { ImportNotice } from './import-summary.ts';

const report = (file: string, credentials: number, created: number, updated: number, unchanged: number, skipped: number, heldBack: number, unclassified: number) =>
  ({ file, credentials, created, updated, unchanged, skipped, heldBack, unclassified });

test('reports of one file across batches add up, and the totals are over all files', () => {
  const summary = summariseImport([
    report('a.csv', 10, 6, 2, 1, 1, 1, 1),
    report('b.pem', 3, 3, 0, 0, 0, 0, 3),
    report('a.csv', 5, 5, 0, 0, 0, 0, 0),
  ]);
  assert.deepEqual(summary, {
    files: [report('a.csv', 15, 11, 2, 1, 1, 1, 1), report('b.pem', 3, 3, 0, 0, 0, 0, 3)],
    created: 14, updated: 2, unchanged: 1, skipped: 1, heldBack: 1, unclassified: 4,
    notices: [], noticesLeftOut: 0,
  });
});

test('notices are listed up to the limit, and the rest are counted, with those batches left out before', () => {
  const notice = (n: number): ImportNotice => ({
    file: 'a.csv', entry: `row ${n}`, credentialId: `cr_${n}`, outcome: 'refreshed',
    heldBack: [{ field: 'status', asked: 'active', stands: 'revoked', reason: 'takes a change' }],
  });
  const summary = summariseImport([], Array.from({ length: maxImportNotices + 5 }, (_, n) => notice(n)), 7);
  assert.equal(summary.notices.length, maxImportNotices);
  assert.equal(summary.notices[0]?.entry, 'row 0');
  assert.equal(summary.noticesLeftOut, 12);
});
