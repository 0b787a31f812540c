import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseIsoDate } from './iso-date.ts';

describe('parseIsoDate', () => {
  it('reads dates and times, taking a time without an offset as UTC', () => {
    const cases: [string, string][] = [
      ['2027-03-01', '2027-03-01T00:00:00.000Z'],
      ['2024-02-29', '2024-02-29T00:00:00.000Z'],
      ['2027-03-01T12:30', '2027-03-01T12:30:00.000Z'],
      ['2027-03-01 12:30:15', '2027-03-01T12:30:15.000Z'],
      ['2027-03-01T12:30:15.123456Z', '2027-03-01T12:30:15.123Z'],
      ['2027-03-01T12:30:15.5+02:00', '2027-03-01T10:30:15.500Z'],
      ['2027-03-01T00:30:00-0230', '2027-03-01T03:00:00.000Z'],
      ['0001-01-01T00:00:00Z', '0001-01-01T00:00:00.000Z'],
      ['1969-12-31T23:59:59Z', '1969-12-31T23:59:59.000Z'],
    ];
    for (const [text, iso] of cases) assert.equal(parseIsoDate(text)?.toISOString(), iso, text);
  });

  it('refuses dates that do not exist and other formats', () => {
    for (const text of ['2026-02-29', '2027-13-01', '2027-04-31', '2027-03-01T24:00', '2027-03-01T12:60', '2027-03-01T12:00:60Z',
      '2027-03-01T12:00+02', '2027-03-01T12:00+19:00', '2027-3-1', '01/03/2027', 'March 1, 2027', '2027-03-01T', '2027-03-01Z1', '']) {
      assert.equal(parseIsoDate(text), null, text);
    }
  });
});
