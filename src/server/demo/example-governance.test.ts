// The example governance never ends: applied on any date, none of its delegations has ended.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseGovernance } from '../../core/governance/index.ts';
import { dateAtLeastAYearAfter, exampleGovernanceAt, exampleGovernancePath } from './example-governance.ts';

test('a delegation\'s end keeps its day and moves by whole years until it is a year away', () => {
  const now = new Date('2026-11-22T00:00:00Z');
  assert.equal(dateAtLeastAYearAfter('2029-06-30', now), '2029-06-30', 'as written while it is a year away');
  assert.equal(dateAtLeastAYearAfter('2029-06-30', new Date('2029-01-01T00:00:00Z')), '2030-06-30');
  assert.equal(dateAtLeastAYearAfter('2029-12-31', new Date('2045-12-31T12:00:00Z')), '2047-12-31');
});

test('the example parses with no issues on any date, years from now included', () => {
  for (const at of ['2026-11-22T00:00:00Z', '2029-07-01T00:00:00Z', '2030-01-01T00:00:00Z', '2044-02-29T23:59:00Z']) {
    const now = new Date(at);
    const parsed = parseGovernance(exampleGovernanceAt(now), 'examples/governance.yaml', { now });
    assert.ok(parsed.ok, `${at}: ${JSON.stringify(!parsed.ok && parsed.issues.slice(0, 3))}`);
  }
});

test('only the ends change, in place: the rest of the file reads as written, line for line', () => {
  const written = readFileSync(exampleGovernancePath, 'utf8');
  assert.equal(exampleGovernanceAt(new Date('2026-11-22T00:00:00Z')), written);
  const later = exampleGovernanceAt(new Date('2031-01-01T00:00:00Z')).split('\n');
  const changed = written.split('\n').flatMap((line, index) => (line === later[index] ? [] : [`${line} -> ${later[index]}`]));
  assert.deepEqual(changed, ['    until: 2029-06-30 ->     until: 2032-06-30', '    until: 2029-12-31 ->     until: 2032-12-31']);
});
