import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatDuration, parseDuration } from './duration.ts';

test('parses the units governance uses, alone and combined', () => {
  assert.deepEqual(parseDuration('30d'), { ok: true, ms: 30 * 86_400_000 });
  assert.deepEqual(parseDuration('4h'), { ok: true, ms: 4 * 3_600_000 });
  assert.deepEqual(parseDuration('1d12h'), { ok: true, ms: 36 * 3_600_000 });
  assert.deepEqual(parseDuration('2w'), { ok: true, ms: 14 * 86_400_000 });
});

test('refuses text that is not a duration and says what to write', () => {
  for (const bad of ['', '30', 'd', '1y', '3 months', '-1d', '0d', '1.5h']) {
    const result = parseDuration(bad);
    assert.equal(result.ok, false, bad);
    if (!result.ok) assert.match(result.message, /duration|range/);
  }
});

test('formats back to the shortest exact text', () => {
  assert.equal(formatDuration(30 * 86_400_000), '30d');
  assert.equal(formatDuration(14 * 86_400_000), '2w');
  assert.equal(formatDuration(36 * 3_600_000), '1d12h');
  assert.equal(formatDuration(90_000), '1m30s');
  for (const text of ['10d', '1h', '45m']) {
    const parsed = parseDuration(text);
    assert.ok(parsed.ok);
    if (parsed.ok) assert.equal(parseDuration(formatDuration(parsed.ms)).ok, true);
  }
});
