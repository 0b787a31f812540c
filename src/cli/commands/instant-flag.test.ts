// Instants on the command line: absolute with their offset, or relative to now, so that examples in the
// README (`can … --at +9h`, `report evidence --from -30d --to now`) stay true whenever they are run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TrustplaneError } from '../../core/errors.ts';
import { instantFlag } from './change-commands.ts';

const now = new Date('2031-02-03T04:05:06.000Z');

test('an instant with its offset is passed on as written', () => {
  assert.equal(instantFlag('--at', '2027-03-01T23:00:00+01:00', now), '2027-03-01T23:00:00+01:00');
});

test('now, +DURATION and -DURATION are read against the given clock', () => {
  assert.equal(instantFlag('--at', 'now', now), '2031-02-03T04:05:06.000Z');
  assert.equal(instantFlag('--at', '+9h', now), '2031-02-03T13:05:06.000Z');
  assert.equal(instantFlag('--from', '-30d', now), '2031-01-04T04:05:06.000Z');
});

test('anything else is refused, naming the flag and both forms', () => {
  for (const text of ['tomorrow', '+soon', '2027-03-01T23:00:00']) {
    assert.throws(() => instantFlag('--at', text, now), (error: unknown) => error instanceof TrustplaneError && error.code === 'VALIDATION_FAILED' && /--at/.test(error.message) && /\+31d|\+9h|relative/.test(error.message));
  }
});
