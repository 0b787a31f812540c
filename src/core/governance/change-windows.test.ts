import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkCronWindow, delegationIsLive, delegationIsOpen, isWindowOpen, nextWindowOpening } from './change-windows.ts';

// Europe/Berlin in 2026: clocks go forward on Sunday 29 March at 01:00Z (02:00 CET → 03:00 CEST) and
// back on Sunday 25 October at 01:00Z (03:00 CEST → 02:00 CET).
const at = (iso: string): Date => new Date(iso);
const openings = (window: Parameters<typeof isWindowOpen>[0], after: string, count: number): string[] => {
  const result: string[] = [];
  let cursor = at(after);
  for (let i = 0; i < count; i += 1) {
    const next = nextWindowOpening(window, cursor);
    if (next === null) break;
    result.push(next.toISOString());
    cursor = next;
  }
  return result;
};

const weekdayNights = { cron: '0 22 * * 1-5', duration: '4h', timeZone: 'Europe/Berlin' };

test('a recurring window is open from its opening, inclusive, to its end, exclusive', () => {
  // Monday 23 November 2026, 22:00 CET = 21:00Z.
  assert.equal(isWindowOpen(weekdayNights, at('2026-11-23T20:59:59.999Z')), false);
  assert.equal(isWindowOpen(weekdayNights, at('2026-11-23T21:00:00.000Z')), true);
  assert.equal(isWindowOpen(weekdayNights, at('2026-11-24T00:59:59.999Z')), true);
  assert.equal(isWindowOpen(weekdayNights, at('2026-11-24T01:00:00.000Z')), false);
  // Friday night's window runs into Saturday; Saturday night has none.
  assert.equal(isWindowOpen(weekdayNights, at('2026-11-28T00:30:00Z')), true);
  assert.equal(isWindowOpen(weekdayNights, at('2026-11-28T21:30:00Z')), false);
  assert.deepEqual(nextWindowOpening(weekdayNights, at('2026-11-27T21:00:00Z')), at('2026-11-30T21:00:00Z'), 'strictly after');
});

test('a window at a local time the clocks skip opens the gap\'s length later that day', () => {
  const window = { cron: '30 2 * * *', duration: '1h', timeZone: 'Europe/Berlin' };
  // 02:30 does not exist on 29 March; the window opens at 03:30 CEST (01:30Z).
  assert.deepEqual(openings(window, '2026-03-28T00:00:00Z', 3), ['2026-03-28T01:30:00.000Z', '2026-03-29T01:30:00.000Z', '2026-03-30T00:30:00.000Z']);
  // The answer does not depend on where the search starts (01:00Z is already after the jump).
  assert.deepEqual(nextWindowOpening(window, at('2026-03-29T01:00:00Z')), at('2026-03-29T01:30:00Z'));
  assert.equal(isWindowOpen(window, at('2026-03-29T01:29:59.999Z')), false);
  assert.equal(isWindowOpen(window, at('2026-03-29T01:30:00Z')), true);
  assert.equal(isWindowOpen(window, at('2026-03-29T02:29:59.999Z')), true);
  assert.equal(isWindowOpen(window, at('2026-03-29T02:30:00Z')), false);
});

test('a window at a local time that occurs twice opens once, at the first', () => {
  const window = { cron: '30 2 * * *', duration: '30m', timeZone: 'Europe/Berlin' };
  assert.deepEqual(openings(window, '2026-10-24T12:00:00Z', 3), ['2026-10-25T00:30:00.000Z', '2026-10-26T01:30:00.000Z', '2026-10-27T01:30:00.000Z']);
  assert.deepEqual(nextWindowOpening(window, at('2026-10-25T01:15:00Z')), at('2026-10-26T01:30:00Z'), 'not again at 02:30 CET');
  assert.equal(isWindowOpen(window, at('2026-10-25T00:30:00Z')), true);
  assert.equal(isWindowOpen(window, at('2026-10-25T00:59:59.999Z')), true);
  assert.equal(isWindowOpen(window, at('2026-10-25T01:45:00Z')), false);
});

test('the duration is elapsed time, across a change of the clocks', () => {
  const midnight = { cron: '0 0 * * *', duration: '3h', timeZone: 'Europe/Berlin' };
  // Opens 00:00 CEST on 25 October (22:00Z the day before); three hours later it is 02:00 CET.
  assert.equal(isWindowOpen(midnight, at('2026-10-25T00:59:59.999Z')), true);
  assert.equal(isWindowOpen(midnight, at('2026-10-25T01:00:00Z')), false);
  // Opens 00:00 CET on 29 March (23:00Z the day before); three hours later it is 03:00 CEST.
  assert.equal(isWindowOpen(midnight, at('2026-03-29T01:59:59.999Z')), true);
  assert.equal(isWindowOpen(midnight, at('2026-03-29T02:00:00Z')), false);
  // Weekday nights keep 22:00 local on both sides of the March change.
  assert.deepEqual(openings(weekdayNights, '2026-03-27T12:00:00Z', 2), ['2026-03-27T21:00:00.000Z', '2026-03-30T20:00:00.000Z']);
});

test('nextWindowOpening stops at until', () => {
  assert.deepEqual(nextWindowOpening(weekdayNights, at('2026-11-22T00:00:00Z'), at('2026-11-23T21:00:00.001Z')), at('2026-11-23T21:00:00Z'));
  assert.equal(nextWindowOpening(weekdayNights, at('2026-11-22T00:00:00Z'), at('2026-11-23T21:00:00Z')), null);
  assert.equal(nextWindowOpening({ cron: '0 0 29 2 *', duration: '1h', timeZone: 'UTC' }, at('2026-11-22T00:00:00Z'), at('2027-12-31T00:00:00Z')), null);
  assert.deepEqual(nextWindowOpening({ cron: '0 0 29 2 *', duration: '1h', timeZone: 'UTC' }, at('2026-11-22T00:00:00Z')), at('2028-02-29T00:00:00Z'));
});

test('a fixed window is the interval [from, to)', () => {
  const window = { from: '2026-12-01T07:00:00Z', to: '2026-12-04T17:00:00Z' };
  assert.equal(isWindowOpen(window, at('2026-12-01T06:59:59.999Z')), false);
  assert.equal(isWindowOpen(window, at('2026-12-01T07:00:00Z')), true);
  assert.equal(isWindowOpen(window, at('2026-12-04T16:59:59.999Z')), true);
  assert.equal(isWindowOpen(window, at('2026-12-04T17:00:00Z')), false);
  assert.deepEqual(nextWindowOpening(window, at('2026-11-22T00:00:00Z')), at('2026-12-01T07:00:00Z'));
  assert.equal(nextWindowOpening(window, at('2026-12-01T07:00:00Z')), null);
  assert.equal(nextWindowOpening(window, at('2026-11-22T00:00:00Z'), at('2026-12-01T07:00:00Z')), null);
});

test('an invalid window never opens (fail closed) and says why', () => {
  for (const window of [
    { cron: '0 0 30 2 *', duration: '1h', timeZone: 'UTC' },
    { cron: '0 22 * * 1-5', duration: '1h', timeZone: 'Mars/Olympus_Mons' },
    { cron: '0 22 * *', duration: '1h', timeZone: 'UTC' },
  ]) {
    assert.equal(isWindowOpen(window, at('2026-11-23T22:00:00Z')), false);
    assert.equal(nextWindowOpening(window, at('2026-11-22T00:00:00Z')), null);
  }
  assert.deepEqual(checkCronWindow({ cron: '0 0 30 2 *', duration: '1h', timeZone: 'UTC' }), {
    ok: false, problem: 'never_fires', message: 'cron "0 0 30 2 *" never fires: none of its months has that day',
  });
  assert.equal(checkCronWindow({ cron: '0 22 * * 1-5', duration: '1h', timeZone: 'Mars/Olympus_Mons' }).ok, false);
  assert.equal(checkCronWindow({ cron: '0 22 * * 1-5', duration: '1h', timeZone: 'America/New_York' }).ok, true);
});

test('a delegation is live before its until, a date including its whole day (UTC)', () => {
  assert.equal(delegationIsLive({ until: '2027-06-30' }, at('2027-06-30T23:59:59.999Z')), true);
  assert.equal(delegationIsLive({ until: '2027-06-30' }, at('2027-07-01T00:00:00Z')), false);
  assert.equal(delegationIsLive({ until: '2027-06-30T18:00:00Z' }, at('2027-06-30T17:59:59.999Z')), true);
  assert.equal(delegationIsLive({ until: '2027-06-30T18:00:00Z' }, at('2027-06-30T18:00:00Z')), false);
  assert.equal(delegationIsLive({}, at('2100-01-01T00:00:00Z')), true);
});

test('a delegation is open when it is live and one of its windows is open', () => {
  const delegation = { until: '2026-11-24', windows: [weekdayNights] };
  assert.equal(delegationIsOpen(delegation, at('2026-11-23T22:00:00Z')), true);
  assert.equal(delegationIsOpen(delegation, at('2026-11-23T12:00:00Z')), false);
  assert.equal(delegationIsOpen(delegation, at('2026-11-25T22:00:00Z')), false, 'inside a window, but ended');
  assert.equal(delegationIsOpen({ until: '2026-11-24' }, at('2026-11-23T12:00:00Z')), true, 'no windows: open while live');
});

test('a stepped day field with a restricted other day field is refused, since crons disagree on it', () => {
  const check = checkCronWindow({ cron: '0 0 */2 * 1', duration: '1h', timeZone: 'UTC' });
  assert.equal(check.ok, false);
  if (!check.ok) assert.match(check.message, /restrict only one of day of month and day of week/);
  assert.equal(checkCronWindow({ cron: '0 0 1,15 * 1', duration: '1h', timeZone: 'UTC' }).ok, true, 'two lists: both crons OR them');
  assert.equal(checkCronWindow({ cron: '0 0 */2 * *', duration: '1h', timeZone: 'UTC' }).ok, true);
});

test('a half-hour daylight-saving gap (Lord Howe) neither delays nor reorders openings', () => {
  // 2026-10-04, 02:00 LHST (+10:30) jumps to 02:30 LHDT (+11:00): 02:10 does not exist and moves to
  // 02:40 LHDT (15:40Z), after the 02:30 opening (15:30Z).
  const window = { cron: '10,30 2 * * *', duration: '10m', timeZone: 'Australia/Lord_Howe' };
  assert.equal(isWindowOpen(window, at('2026-10-03T15:35:00Z')), true, '02:30 LHDT opened at 15:30Z');
  assert.equal(isWindowOpen(window, at('2026-10-03T15:45:00Z')), true, 'the shifted 02:10 opened at 15:40Z');
  assert.equal(nextWindowOpening(window, at('2026-10-03T15:25:00Z'))?.toISOString(), '2026-10-03T15:30:00.000Z');
  assert.equal(nextWindowOpening(window, at('2026-10-03T15:31:00Z'))?.toISOString(), '2026-10-03T15:40:00.000Z');
});
