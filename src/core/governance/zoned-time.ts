// Local wall-clock time in an IANA time zone, from Intl alone. A wall-clock time is written as the
// instant it would be in UTC ("02:30 local" → the number for 02:30Z), which lets cron arithmetic run in
// UTC where no day is 23 or 25 hours long.

const dayMs = 86_400_000;
const formatters = new Map<string, Intl.DateTimeFormat>();

const formatterFor = (timeZone: string): Intl.DateTimeFormat => {
  let formatter = formatters.get(timeZone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
};

/** True for IANA names Intl knows ("Europe/Berlin", "UTC"); offsets such as "+01:00" are not zones. */
export const isKnownTimeZone = (name: string): boolean => {
  if (!/^[A-Za-z]/.test(name)) return false;
  try {
    formatterFor(name);
    return true;
  } catch {
    return false;
  }
};

/** Milliseconds to add to an instant to read the local wall clock in `timeZone` (whole seconds). */
export const offsetAt = (instant: number, timeZone: string): number => {
  const parts = formatterFor(timeZone).formatToParts(instant);
  const field = (type: Intl.DateTimeFormatPartTypes): number => Number(parts.find((part) => part.type === type)?.value);
  const wall = Date.UTC(field('year'), field('month') - 1, field('day'), field('hour'), field('minute'), field('second'));
  const wholeSeconds = instant - (((instant % 1000) + 1000) % 1000);
  return wall - wholeSeconds;
};

export const wallClockOf = (instant: number, timeZone: string): number => instant + offsetAt(instant, timeZone);

/**
 * The instant a wall-clock time names, disambiguated as Temporal's "compatible" mode does: a time that
 * occurs twice (clocks go back) is its first occurrence; a time that does not exist (clocks go forward)
 * moves forward by the length of the gap, so 02:30 on the night Berlin jumps from 02:00 to 03:00 is
 * 03:30 CEST.
 */
export const instantOfWallClock = (wall: number, timeZone: string): number => {
  const offsetBefore = offsetAt(wall - dayMs, timeZone);
  const offsetAfter = offsetAt(wall + dayMs, timeZone);
  const candidates = [wall - offsetBefore, wall - offsetAfter].filter((instant) => wallClockOf(instant, timeZone) === wall);
  return candidates.length > 0 ? Math.min(...candidates) : wall - offsetBefore;
};

/** How far the offset moves within two days of `instant`; zero away from any transition. */
export const offsetSwingNear = (instant: number, timeZone: string): number => {
  const here = offsetAt(instant, timeZone);
  return Math.max(Math.abs(offsetAt(instant - 2 * dayMs, timeZone) - here), Math.abs(offsetAt(instant + 2 * dayMs, timeZone) - here));
};
