// Change windows: when a delegated partner may act. A recurring window opens at each occurrence of a
// five-field cron expression on the local wall clock of its time zone and stays open for its duration;
// a fixed window is the half-open interval [from, to).
//
// Daylight saving time: occurrences are computed on the wall clock and mapped to instants as
// zoned-time.ts describes, so the answer never depends on the moment you ask from.
// - A window at a local time the clocks skip (02:30 in Europe/Berlin on the last Sunday of March) opens
//   that day at 03:30 CEST, the gap's length later; it is not dropped.
// - A window at a local time that occurs twice (02:30 on the last Sunday of October) opens once, at the
//   first 02:30 (CEST).
// - The duration is elapsed time: a 3h window opening at 00:00 on the October night closes at 02:00 CET.
// A window whose cron or time zone is invalid never opens (fail closed); the governance rules report it.
import { CronExpressionParser } from 'cron-parser';
import type { CronExpression } from 'cron-parser';
import { parseDuration } from '../duration.ts';
import type { ChangeWindow, CronWindow, Delegation } from './governance-model.ts';
import { parseInstant, untilInstant } from './governance-time.ts';
import { instantOfWallClock, isKnownTimeZone, offsetSwingNear, wallClockOf } from './zoned-time.ts';

export type CronSchedule = { expression: string; timeZone: string; durationMs: number };

export type CronWindowCheck =
  | { ok: true; schedule: CronSchedule }
  | { ok: false; problem: 'invalid_cron' | 'unknown_time_zone' | 'never_fires'; message: string };

const fieldNames = ['minute', 'hour', 'day-of-month', 'month', 'day-of-week'] as const;
const namesIn: Partial<Record<(typeof fieldNames)[number], RegExp>> = {
  month: /jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec/gi,
  'day-of-week': /sun|mon|tue|wed|thu|fri|sat/gi,
};
// Digits, lists, ranges and steps only: cron-parser's "H" picks a random time, and L, W, # and ? are
// extensions other tools read differently.
const plainField = /^[0-9*,/-]+$/;
const searchLimit = 10_000;

const fieldProblem = (fields: readonly string[]): string | null => {
  if (fields.length !== 5) return 'write five fields (minute hour day-of-month month day-of-week), for example "0 22 * * 1-5"';
  for (const [index, name] of fieldNames.entries()) {
    const field = fields[index] ?? '';
    const names = namesIn[name];
    if (!plainField.test(names === undefined ? field : field.replace(names, '0'))) {
      return `the ${name} field "${field}" may only use digits, "*", ",", "-" and "/"${names === undefined ? '' : ' or three-letter names'}`;
    }
  }
  return null;
};

/** Runs the expression on the wall clock (UTC stands in for local time), starting from `wall`. */
const wallCron = (schedule: CronSchedule, wall: number): CronExpression =>
  CronExpressionParser.parse(`0 ${schedule.expression}`, { tz: 'UTC', currentDate: new Date(wall) });

/**
 * Crons differ on day of month and day of week together: Vixie cron and cronie OR them unless one field
 * starts with "*" (as "*\/2" does), when they AND them; cron-parser always ORs. A window must mean one thing,
 * so a step over every day combined with a restricted other day field is refused.
 */
const dayFieldsProblem = (fields: readonly string[]): string | null => {
  const [dayOfMonth = '*', dayOfWeek = '*'] = [fields[2], fields[4]];
  const restricted = (field: string) => field !== '*';
  if (restricted(dayOfMonth) && restricted(dayOfWeek) && (dayOfMonth.startsWith('*') || dayOfWeek.startsWith('*'))) {
    return 'a stepped day field ("*/n") together with a restricted other day field means different days to different crons; restrict only one of day of month and day of week';
  }
  return null;
};

const uncheckedCronWindow = (window: CronWindow): CronWindowCheck => {
  const expression = window.cron.trim().split(/\s+/).join(' ');
  const fields = expression.split(' ');
  const problem = fieldProblem(fields) ?? dayFieldsProblem(fields);
  if (problem !== null) return { ok: false, problem: 'invalid_cron', message: `cron "${window.cron}" is not valid: ${problem}` };
  if (!isKnownTimeZone(window.timeZone)) {
    return { ok: false, problem: 'unknown_time_zone', message: `time zone "${window.timeZone}" is not a known IANA time zone, such as Europe/Berlin or UTC` };
  }
  const duration = parseDuration(window.duration);
  if (!duration.ok) return { ok: false, problem: 'invalid_cron', message: duration.message };
  const schedule = { expression, timeZone: window.timeZone, durationMs: duration.ms };
  try {
    wallCron(schedule, 0).next();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    if (/day of month|loop limit/i.test(reason)) {
      return { ok: false, problem: 'never_fires', message: `cron "${window.cron}" never fires: none of its months has that day` };
    }
    return { ok: false, problem: 'invalid_cron', message: `cron "${window.cron}" is not valid: ${reason}` };
  }
  return { ok: true, schedule };
};

// Windows are checked on every authorization decision; a window object is checked once.
const checked = new WeakMap<CronWindow, CronWindowCheck>();

export const checkCronWindow = (window: CronWindow): CronWindowCheck => {
  const known = checked.get(window);
  if (known !== undefined) return known;
  const check = uncheckedCronWindow(window);
  checked.set(window, check);
  return check;
};

// Inside a gap that is shorter than the cron's step (Lord Howe moves its clocks by 30 minutes), two wall
// times can map to instants in the opposite order; so the search goes on past the first hit for as long
// as the offset swing could reorder, and keeps the best instant.

type Found = { instant: number; wall: number } | null;

/** The wall time of the first hit, which bounds how much further the search goes. */
const firstWall = (found: Found, wall: number): number => (found === null ? wall : found.wall);

/** The latest opening at or before `at`, or null. */
const latestOpening = (schedule: CronSchedule, at: number): number | null => {
  // Start past `at` by the offset swing, so a wall time shifted by a transition is not missed.
  const margin = offsetSwingNear(at, schedule.timeZone) + 1000;
  const cron = wallCron(schedule, wallClockOf(at, schedule.timeZone) + margin);
  let best: Found = null;
  try {
    for (let step = 0; step < searchLimit; step += 1) {
      const wall = cron.prev().getTime();
      if (best !== null && wall < best.wall - 2 * margin) break;
      const opening = instantOfWallClock(wall, schedule.timeZone);
      if (opening <= at && (best === null || opening > best.instant)) best = { instant: opening, wall: firstWall(best, wall) };
    }
  } catch {
    // cron-parser gives up when there is no earlier occurrence.
  }
  return best?.instant ?? null;
};

/** The first opening strictly after `after` and strictly before `until`, or null. */
const firstOpening = (schedule: CronSchedule, after: number, until: number): number | null => {
  const margin = Math.max(offsetSwingNear(after, schedule.timeZone), Number.isFinite(until) ? offsetSwingNear(until, schedule.timeZone) : 0) + 1000;
  const cron = wallCron(schedule, wallClockOf(after, schedule.timeZone) - margin);
  const untilWall = Number.isFinite(until) ? wallClockOf(until, schedule.timeZone) : Number.POSITIVE_INFINITY;
  let best: Found = null;
  try {
    for (let step = 0; step < searchLimit; step += 1) {
      const wall = cron.next().getTime();
      if (wall > (best === null ? untilWall : best.wall) + 2 * margin) break;
      const opening = instantOfWallClock(wall, schedule.timeZone);
      if (opening > after && opening < until && (best === null || opening < best.instant)) best = { instant: opening, wall: firstWall(best, wall) };
    }
  } catch {
    // cron-parser gives up when there is no later occurrence it can find.
  }
  return best?.instant ?? null;
};

const isCronWindow = (window: ChangeWindow): window is CronWindow => 'cron' in window;

/** A stretch of time over which a recurring window is either open throughout or closed throughout. */
type WindowInterval = { from: number; until: number; open: boolean };

// Authorization asks whether a window is open on every decision by a partner, and a cron search costs
// a few hundred microseconds; the stretches found so far are kept per window object (the latest few
// dozen: a daily window has two a day), so a question about a time already seen needs no search.
const intervals = new WeakMap<CronWindow, WindowInterval[]>();
const intervalsKept = 64;

const cronIntervalAt = (window: CronWindow, schedule: CronSchedule, time: number): WindowInterval => {
  const known = intervals.get(window) ?? [];
  const hit = known.find((interval) => interval.from <= time && time < interval.until);
  if (hit !== undefined) return hit;
  const opening = latestOpening(schedule, time);
  const closesAt = opening === null ? Number.NEGATIVE_INFINITY : opening + schedule.durationMs;
  const interval = opening !== null && time < closesAt
    ? { from: opening, until: closesAt, open: true }
    : { from: closesAt, until: firstOpening(schedule, time, Number.POSITIVE_INFINITY) ?? Number.POSITIVE_INFINITY, open: false };
  intervals.set(window, [interval, ...known.slice(0, intervalsKept - 1)]);
  return interval;
};

export const isWindowOpen = (window: ChangeWindow, at: Date): boolean => {
  const time = at.getTime();
  if (!isCronWindow(window)) {
    const [from, to] = [parseInstant(window.from), parseInstant(window.to)];
    return from !== null && to !== null && from <= time && time < to;
  }
  const check = checkCronWindow(window);
  return check.ok && cronIntervalAt(window, check.schedule, time).open;
};

/** When the window next opens, strictly after `after` and before `until`; null if it does not. */
export const nextWindowOpening = (window: ChangeWindow, after: Date, until?: Date): Date | null => {
  const limit = until?.getTime() ?? Number.POSITIVE_INFINITY;
  if (!isCronWindow(window)) {
    const [from, to] = [parseInstant(window.from), parseInstant(window.to)];
    if (from === null || to === null || to <= from) return null;
    return from > after.getTime() && from < limit ? new Date(from) : null;
  }
  const check = checkCronWindow(window);
  if (!check.ok) return null;
  const interval = cronIntervalAt(window, check.schedule, after.getTime());
  // Closed now: the stretch ends at the next opening. Open now: the next opening comes after this one.
  const opening = !interval.open && Number.isFinite(interval.until) ? interval.until : firstOpening(check.schedule, after.getTime(), limit);
  return opening === null || opening >= limit ? null : new Date(opening);
};

/** The first instant the delegation no longer holds, or null when it has no end. */
export const delegationEnd = (delegation: Pick<Delegation, 'until'>): Date | null =>
  delegation.until === undefined ? null : new Date(untilInstant(delegation.until));

/** A delegation is live until its `until` (a date includes that whole day, UTC). */
export const delegationIsLive = (delegation: Pick<Delegation, 'until'>, at: Date): boolean => {
  const end = delegationEnd(delegation);
  return end === null || at.getTime() < end.getTime();
};

/** Live, and inside one of its windows (a delegation without windows is open whenever it is live). */
export const delegationIsOpen = (delegation: Pick<Delegation, 'until' | 'windows'>, at: Date): boolean =>
  delegationIsLive(delegation, at) && (delegation.windows === undefined || delegation.windows.some((window) => isWindowOpen(window, at)));
