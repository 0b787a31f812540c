// ISO 8601 dates as inventory exports write them: YYYY-MM-DD, optionally followed by T (or a space),
// hh:mm, :ss, a fraction, and Z or an offset (±hh:mm or ±hhmm). A time without an offset is taken as UTC,
// so the result does not depend on the machine's time zone. Read character by character: exports carry
// millions of dates, and a regular expression with captures costs several times more.

const msPerMinute = 60_000;
const msPerDay = 86_400_000;

/** The number written by `count` ASCII digits at `start`, or -1. */
const digitsAt = (text: string, start: number, count: number): number => {
  let value = 0;
  for (let index = start; index < start + count; index++) {
    const digit = text.charCodeAt(index) - 48;
    if (!(digit >= 0 && digit <= 9)) return -1;
    value = value * 10 + digit;
  }
  return value;
};

const daysInMonth = (year: number, month: number): number => {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
};

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant, "chrono-Compatible Low-Level Date
// Algorithms", days_from_civil).
const daysFromCivil = (year: number, month: number, day: number): number => {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  return era * 146_097 + yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear - 719_468;
};

/** Minutes east of UTC for the zone at `start` to the end of `text` ('' means UTC), or null. */
const offsetMinutes = (text: string, start: number): number | null => {
  const rest = text.length - start;
  if (rest === 0 || (rest === 1 && (text[start] === 'Z' || text[start] === 'z'))) return 0;
  const sign = text[start] === '+' ? 1 : text[start] === '-' ? -1 : 0;
  const colon = text[start + 3] === ':' ? 1 : 0;
  const hours = digitsAt(text, start + 1, 2);
  const minutes = digitsAt(text, start + 3 + colon, 2);
  if (sign === 0 || rest !== 5 + colon || hours < 0 || hours > 18 || minutes < 0 || minutes > 59) return null;
  return sign * (hours * 60 + minutes);
};

export const parseIsoDate = (raw: string): Date | null => {
  const text = raw.trim();
  const year = digitsAt(text, 0, 4);
  const month = digitsAt(text, 5, 2);
  const day = digitsAt(text, 8, 2);
  if (year < 0 || text[4] !== '-' || text[7] !== '-' || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  let hour = 0;
  let minute = 0;
  let second = 0;
  let milliseconds = 0;
  let index = 10;
  if (text[10] === 'T' || text[10] === 't' || text[10] === ' ') {
    hour = digitsAt(text, 11, 2);
    minute = digitsAt(text, 14, 2);
    if (hour < 0 || hour > 23 || text[13] !== ':' || minute < 0 || minute > 59) return null;
    index = 16;
    if (text[16] === ':') {
      second = digitsAt(text, 17, 2);
      if (second < 0 || second > 59) return null;
      index = 19;
      if (text[19] === '.') {
        let end = 20;
        while (end < text.length && end < 29 && digitsAt(text, end, 1) >= 0) end++;
        if (end === 20) return null;
        milliseconds = Math.round(Number(`0${text.slice(19, Math.min(end, 23))}`) * 1000);
        index = end;
      }
    }
  }
  const offset = offsetMinutes(text, index);
  if (offset === null) return null;
  return new Date(daysFromCivil(year, month, day) * msPerDay + ((hour * 60 + minute) * 60 + second) * 1000 + milliseconds - offset * msPerMinute);
};
