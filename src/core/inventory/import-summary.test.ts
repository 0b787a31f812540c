import { test } from 'node:test';
import assert from 'node:assert/strict';
import { summariseImport } from './import-summary.ts';

test('reports of one file across batches add up, and the totals are over all files', () => {
  const summary = summariseImport([
    { file: 'a.csv', credentials: 10, created: 8, updated: 2, unclassified: 1 },
    { file: 'b.pem', credentials: 3, created: 3, updated: 0, unclassified: 3 },
    { file: 'a.csv', credentials: 5, created: 5, updated: 0, unclassified: 0 },
  ]);
  assert.deepEqual(summary, {
    files: [
      { file: 'a.csv', credentials: 15, created: 13, updated: 2, unclassified: 1 },
      { file: 'b.pem', credentials: 3, created: 3, updated: 0, unclassified: 3 },
    ],
    created: 16, updated: 2, unclassified: 4,
  });
});
