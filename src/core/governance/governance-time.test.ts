import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatInstant, normaliseDateOrInstant, parseInstant, untilInstant } from './governance-time.ts';

test('instants must carry an offset and name a real moment', () => {
  assert.equal(parseInstant('2027-06-30T18:00:00Z'), Date.UTC(2027, 5, 30, 18));
  assert.equal(parseInstant('2027-06-30T20:00+02:00'), Date.UTC(2027, 5, 30, 18));
  assert.equal(parseInstant('2027-06-30T18:00:00.25Z'), Date.UTC(2027, 5, 30, 18, 0, 0, 250));
  for (const bad of ['2027-06-30T18:00:00', '2027-06-30', '2027-02-29T00:00:00Z', '2027-06-30T24:00:00Z', '2027-06-30 18:00:00Z', 'tomorrow']) {
    assert.equal(parseInstant(bad), null, bad);
  }
});

test('dates stay as written; instants are rewritten in UTC', () => {
  assert.equal(normaliseDateOrInstant('2027-06-30'), '2027-06-30');
  assert.equal(normaliseDateOrInstant('2028-02-29'), '2028-02-29');
  assert.equal(normaliseDateOrInstant('2027-02-29'), null);
  assert.equal(normaliseDateOrInstant('2027-06-30T18:00:00-04:00'), '2027-06-30T22:00:00Z');
  assert.equal(formatInstant(Date.UTC(2027, 0, 1, 0, 0, 0, 5)), '2027-01-01T00:00:00.005Z');
});

test('a date-only until includes its whole day, in UTC', () => {
  assert.equal(untilInstant('2027-06-30'), Date.UTC(2027, 6, 1));
  assert.equal(untilInstant('2027-06-30T18:00:00Z'), Date.UTC(2027, 5, 30, 18));
});
