import { z } from 'zod';

// ISO 8601 dates as inventory exports write them: YYYY-MM-DD, optionally followed by T (or a space),
// hh:mm, :ss, a fraction, and Z or an offset (±hh:mm or ±hhmm). A time without an offset is taken as UTC,
// so the result does not depend on the machine's time zone.

const isoDate = /^(\d{4}-\d{2}-\d{2})(?:[Tt ]([01]\d|2[0-3]):([0-5]\d)(?::([0-5]\d)(?:\.(\d{1,9}))?)?)?(?:[Zz]|([+-])(0\d|1[0-8]):?([0-5]\d))?$/;

// Date.parse rolls a day the month does not have (2026-02-29) over into the next month; zod's date
// check knows the lengths of months and leap years.
const calendarDate = z.iso.date();

export const parseIsoDate = (raw: string): Date | null => {
  const match = isoDate.exec(raw.trim());
  if (match === null || !calendarDate.safeParse(match[1]).success) return null;
  const [, date, hour = '00', minute = '00', second = '00', fraction = '', sign, offsetHours, offsetMinutes] = match;
  const zone = sign === undefined ? 'Z' : `${sign}${offsetHours}:${offsetMinutes}`;
  // Date.parse reads exactly three fraction digits; finer ones are cut off, as a Date cannot hold them.
  return new Date(Date.parse(`${date}T${hour}:${minute}:${second}.${fraction.slice(0, 3).padEnd(3, '0')}${zone}`));
};
