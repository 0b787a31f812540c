// Dates and instants in governance.yaml. Every instant carries its offset (Z or ±hh:mm): core has no
// local time zone to fall back on, and a grant must not mean different moments on different servers.
// A date without a time (`until: 2027-06-30`) includes that whole day, in UTC: it ends at the start of
// the next day, 2027-07-01T00:00:00Z.

const datePattern = /^(\d{4})-(\d{2})-(\d{2})$/;
const instantPattern = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?(Z|([+-])(\d{2}):(\d{2}))$/;
const dayMs = 86_400_000;
const lastWritableInstant = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

const calendarDay = (year: string, month: string, day: string): number | null => {
  const [y, m, d] = [Number(year), Number(month), Number(day)];
  const ms = Date.UTC(y, m - 1, d);
  const date = new Date(ms);
  if (y < 1970 || date.getUTCFullYear() !== y || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d) return null;
  return ms;
};

/** Milliseconds of an ISO 8601 instant with an offset, or null when the text is not one. */
export const parseInstant = (text: string): number | null => {
  const match = instantPattern.exec(text);
  if (match === null) return null;
  const [, year, month, day, hour, minute, second, fraction, zone, sign, offsetHour, offsetMinute] = match;
  const dayStart = calendarDay(year ?? '', month ?? '', day ?? '');
  const [h, min, s] = [Number(hour), Number(minute), Number(second ?? '0')];
  if (dayStart === null || h > 23 || min > 59 || s > 59) return null;
  const ms = Number((fraction ?? '').padEnd(3, '0'));
  let offset = 0;
  if (zone !== 'Z') {
    const [oh, om] = [Number(offsetHour), Number(offsetMinute)];
    if (oh > 23 || om > 59) return null;
    offset = (sign === '-' ? -1 : 1) * (oh * 60 + om) * 60_000;
  }
  const instant = dayStart + ((h * 60 + min) * 60 + s) * 1000 + ms - offset;
  // An offset can carry 9999-12-31T23:00-05:00 into year 10000, which four-digit years cannot write back.
  return instant > lastWritableInstant ? null : instant;
};

/** An instant as canonical text: UTC, `Z`, milliseconds only when there are any. */
export const formatInstant = (ms: number): string => new Date(ms).toISOString().replace('.000Z', 'Z');

/**
 * Canonical text of a governance date or instant: a date stays as written (`2027-06-30`), an instant is
 * rewritten in UTC (`2027-06-30T12:00:00+02:00` → `2027-06-30T10:00:00Z`). Null when it is neither.
 */
export const normaliseDateOrInstant = (text: string): string | null => {
  const date = datePattern.exec(text);
  if (date !== null) return calendarDay(date[1] ?? '', date[2] ?? '', date[3] ?? '') === null ? null : text;
  const instant = parseInstant(text);
  return instant === null ? null : formatInstant(instant);
};

/** The first instant a delegation is no longer live: the instant itself, or the start of the day after a date. */
export const untilInstant = (until: string): number => {
  const date = datePattern.exec(until);
  if (date !== null) return (calendarDay(date[1] ?? '', date[2] ?? '', date[3] ?? '') ?? Number.NaN) + dayMs;
  return parseInstant(until) ?? Number.NaN;
};
