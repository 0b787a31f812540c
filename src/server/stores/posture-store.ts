// Posture's counts (core/monitor/posture.ts), read with seven aggregate queries so that no credential is
// ever loaded on its own: one scan of the live credentials grouped by class, kind, exposure list and
// small facts (age bucket, lifetime, storage); counts per class and per status, which their indexes
// answer; the ten places most unmanaged secrets are kept (a partial index); one scan of the changes; the
// revocations' facts for the revocation clock (M16); and two queries over revocations for M06. Each class's policy is applied in TypeScript over the groups (at
// most ~1000 classes), not passed to SQL.
//
// Both databases read the same SQL but for how the credential groups are counted: GROUP BY on
// PostgreSQL, which hashes; on SQLite, which would sort every row, an aggregate that counts in a hash map
// (DatabaseCapabilities.countByKeyFunction). Timestamps are fixed-width ISO-8601 UTC text, so comparing text
// compares instants, and the spans that need arithmetic are computed with integers from the text.
// Daily snapshots of the posture, for a trend, live here too.
import { sql } from 'kysely';
import type { Kysely, RawBuilder, Transaction } from 'kysely';
import { TrustplaneError } from '../../core/errors.ts';
import { dutySteps, separationRules } from '../../core/changes/separation-of-duties.ts';
import {
  ageEdgesFor, cabValiditySchedule, lifetimeLimitsFor, liveStatuses, secretKinds,
} from '../../core/monitor/posture.ts';
import type { ChangeCounts, CredentialGroup, Posture, PostureContext, PostureInputs } from '../../core/monitor/posture.ts';
import { countRevocationDeadlines, revocationClock } from '../../core/changes/revocation-clock.ts';
import type { RevocationDeadlineCounts } from '../../core/changes/revocation-clock.ts';
import type { DatabaseCapabilities } from '../db/capabilities.ts';
import type { DatabaseSchema } from '../db/schema.ts';

const dayMs = 86_400_000;

/** The steps change-service.ts records for request, approval, a successful execution and verification. */
const formalSteps = ['request', 'approve', 'executed', 'verify'] as const;

/**
 * An upper bound no table reaches. A LIMIT on a subquery keeps SQLite's flattener and PostgreSQL's
 * pull-up from merging it into the outer query, so what each row computes is computed once, not once per
 * aggregate that reads it; and on SQLite it keeps a GROUP BY on class_id from walking the class index
 * and fetching every row at random.
 */
const noLimit = Number.MAX_SAFE_INTEGER;

/** A number as either driver returns it: PostgreSQL gives bigint as text, and a sum over no rows is null. */
const asNumber = (value: unknown): number => (value === null || value === undefined ? 0 : Number(value));

const part = (column: string, from: number, length: number) => sql`cast(substr(${sql.ref(column)}, ${sql.lit(from)}, ${sql.lit(length)}) as bigint)`;

/**
 * A day number of an instant column's date, from its text: years counted from March (so the leap day
 * ends a year) and 1461 days to four years. Differences are exact between 1901-03-01 and 2100-02-28;
 * beyond them a span is off by a day per century crossed, which matters only to spans of centuries.
 */
const dayNumber = (column: string): RawBuilder<number> => {
  const month = part(column, 6, 2);
  return sql<number>`((1461 * (${part(column, 1, 4)} - (14 - ${month}) / 12)) / 4 + (153 * ((${month} + 9) % 12) + 2) / 5 + ${part(column, 9, 2)})`;
};

/** An instant column in milliseconds on the day numbers' scale: for differences only. */
const instantMs = (column: string): RawBuilder<number> =>
  sql<number>`(${dayNumber(column)} * 86400000 + ${part(column, 12, 2)} * 3600000 + ${part(column, 15, 2)} * 60000 + ${part(column, 18, 2)} * 1000 + ${part(column, 21, 3)})`;

/**
 * Twice the whole days from not_before to not_after, plus one when not_after's time of day is later:
 * `> 2k` then says exactly whether the lifetime exceeds k days, with two day numbers and a text
 * comparison (about half the cost of two instants in milliseconds).
 */
const doubledDays = (): RawBuilder<number> =>
  sql<number>`(2 * (${dayNumber('not_after')} - ${dayNumber('not_before')}) + case when substr(not_after, 12) > substr(not_before, 12) then 1 else 0 end)`;

/**
 * Whether a change broke a rule of separation-of-duties.ts, as posture reads its recorded steps: for each
 * rule, some step of its first duty and some later step of its second were taken by the same person (a
 * step's recorded person, or its actor when it stood for itself). Written from the rules, so that M15 and
 * the evidence pack judge by the same definition.
 */
const stepList = (steps: readonly string[]) => sql.join(steps.map((step) => sql.lit(step)));
const separationBroken = sql`exists (select 1 from change_events d1 join change_events d2
  on d2.change_id = d1.change_id and d1.seq < d2.seq and coalesce(d1.person, d1.actor) = coalesce(d2.person, d2.actor)
  where d1.change_id = changes.id and (${sql.join(separationRules.map((rule) =>
    sql`(d1.step in (${stepList(dutySteps[rule.first])}) and d2.step in (${stepList(rule.on ?? dutySteps[rule.then])}))`), sql` or `)}))`;

/** A count of the rows for which `condition` holds. */
const countWhere = (condition: RawBuilder<unknown>) => sql<number | string | null>`sum(case when ${condition} then 1 else 0 end)`;

/**
 * How many of an ascending run of thresholds a row passes (0..count), by bisection, so that a row makes
 * about log2(count) comparisons rather than one per threshold: `passes(i)` holds for every i below the
 * first it fails.
 */
const thresholdsPassed = (count: number, passes: (index: number) => RawBuilder<unknown>, low = 0, high = count): RawBuilder<number> => {
  if (low === high) return sql<number>`${sql.lit(low)}`;
  const middle = Math.floor((low + high) / 2);
  return sql<number>`case when ${passes(middle)} then ${thresholdsPassed(count, passes, middle + 1, high)} else ${thresholdsPassed(count, passes, low, middle)} end`;
};

/** Twice the CA/B maximum validity in days for a certificate issued at its not_before (cabValiditySchedule). */
const doubledCabMaximumDays = (): RawBuilder<number> => {
  const steps = [...cabValiditySchedule].reverse();
  const branches = steps.filter((step) => step.issuedFrom !== null)
    .map((step) => sql`when not_before >= ${step.issuedFrom} then ${sql.lit(2 * step.maxDays)}`);
  return sql<number>`case ${sql.join(branches, sql` `)} else ${sql.lit(2 * (steps.at(-1)?.maxDays ?? 398))} end`;
};

/** Milliseconds into the day of a time-of-day text (12:34:56.789Z, as substr(instant, 12) gives it). */
const timeOfDayMs = (column: string): RawBuilder<number> => sql<number>`(${part(column, 1, 2)} * 3600000 + ${part(column, 4, 2)} * 60000 + ${part(column, 7, 2)} * 1000 + ${part(column, 10, 3)})`;

/**
 * Whether the lifetime (doubled days in c.lifetime, times of day in c.time_after and c.time_before)
 * exceeds a limit: whole days compare the doubled days alone; a limit with a part of a day settles
 * on the days unless the lifetime is within a day of it, and only then reads the times of day.
 */
const lifetimeExceeds = (limitMs: number): RawBuilder<unknown> => {
  if (limitMs % dayMs === 0) return sql`c.lifetime > ${sql.lit((2 * limitMs) / dayMs)}`;
  const days = Math.floor(limitMs / dayMs);
  const exact = sql`(c.lifetime / 2) * 86400000 + ${timeOfDayMs('c.time_after')} - ${timeOfDayMs('c.time_before')} > ${sql.lit(limitMs)}`;
  // A negative lifetime (not_after before not_before) never exceeds, and would halve the wrong way.
  return sql`(c.lifetime / 2 >= ${sql.lit(days + 2)} or (c.lifetime >= 0 and c.lifetime / 2 >= ${sql.lit(days)} and ${exact}))`;
};

/** A digit of a credential's facts: its value in SQL, from 0 to radix − 1. */
type FactDigit = { radix: number; value: RawBuilder<number> };

/** The digits of a number written with `digits` (most significant first, as Horner's rule wrote it). */
const digitsOf = (number: number, digits: readonly FactDigit[]): number[] => {
  const values: number[] = [];
  let rest = number;
  for (const { radix } of [...digits].reverse()) {
    values.unshift(rest % radix);
    rest = Math.floor(rest / radix);
  }
  return values;
};

type GroupRow = { class_id: string | null; kind: string; exposed_to: string; facts: number | string; n: number | string };

export type PostureSnapshot = { day: string; at: string; posture: Posture };

const dayPattern = /^\d{4}-\d{2}-\d{2}$/;

/** Credentials pending or active and not past their not-after at `at`. */
const liveCredentialsIn = (trx: Kysely<DatabaseSchema> | Transaction<DatabaseSchema>, at: string) =>
  trx.selectFrom('credentials').where('status', 'in', liveStatuses).where('expiry_order', '>=', at);

/** The ten places most live secrets outside a known managed store are kept; ties go by name, an unrecorded place as the empty name. */
export const unmanagedLocationsQuery = (trx: Kysely<DatabaseSchema> | Transaction<DatabaseSchema>, at: string) =>
  liveCredentialsIn(trx, at)
    .select(['storage_location', (eb) => eb.fn.countAll<number | string>().as('n')])
    // Word for word the condition of credentials_unmanaged_idx (migration 0006), so that SQLite uses it.
    .where(sql<boolean>`kind in (${sql.join(secretKinds.map((kind) => sql.lit(kind)))}) and (managed_storage is null or managed_storage = 0)`)
    .groupBy('storage_location')
    .orderBy('n', 'desc').orderBy(sql`coalesce(storage_location, '')`)
    .limit(10);

export const createPostureStore = (trx: Kysely<DatabaseSchema> | Transaction<DatabaseSchema>, { countByKeyFunction }: Pick<DatabaseCapabilities, 'countByKeyFunction'>) => {
  const liveCredentials = (at: string) => liveCredentialsIn(trx, at);

  /** Live credentials grouped by class, kind, exposure list and age bucket, with the counts each metric needs. */
  const credentialGroups = async (at: Date, ageEdgesMs: readonly number[], lifetimeLimitsMs: readonly number[]): Promise<CredentialGroup[]> => {
    const reference = sql<string>`coalesce(last_rotated_at, not_before, created_at)`;
    const cutoffs = ageEdgesMs.map((edge) => new Date(at.getTime() - edge).toISOString());
    const bothDates = sql`not_before is not null and not_after is not null`;
    // Without a class maxLifetime, only certificates need their lifetime (for the CA/B maximum).
    const lifetimeNeeded = lifetimeLimitsMs.length > 0 ? bothDates : sql`${bothDates} and kind = 'x509_certificate'`;
    const certificate = sql`kind = 'x509_certificate' and ${bothDates}`;
    // Times of day, for a limit with a part of a day (lifetimeExceeds).
    const timesOfDay = lifetimeLimitsMs.some((limit) => limit % dayMs !== 0)
      ? [sql<string | null>`substr(not_after, 12)`.as('time_after'), sql<string | null>`substr(not_before, 12)`.as('time_before')] : [];
    const perCredential = liveCredentials(at.toISOString())
      .select(['class_id', 'kind', 'exposed_to', 'managed_storage'])
      .select([
        sql<number>`case when not_after is null then 1 else 0 end`.as('no_expiry'),
        // CredentialGroup.ageBuckets: the edges an age has reached, i.e. the instants `at − edge` at or after the reference.
        thresholdsPassed(cutoffs.length, (index) => sql`${reference} <= ${cutoffs[index]}`).as('age_bucket'),
        sql<number | null>`case when ${lifetimeNeeded} then ${doubledDays()} end`.as('lifetime'),
        // A CA/B validity includes its last second: a not_after at notBefore's time of day is over (the tie).
        sql<number>`case when ${certificate} and substr(not_after, 12) = substr(not_before, 12) then 1 else 0 end`.as('tie'),
        sql<number | null>`case when ${certificate} then ${doubledCabMaximumDays()} end`.as('cab_limit'),
        ...timesOfDay,
      ])
      .limit(noLimit)
      .as('c');
    // How many of the limits (ascending) the lifetime exceeds: exceedsLifetime for limit j iff rank > j.
    const rank = thresholdsPassed(lifetimeLimitsMs.length, (index) => lifetimeExceeds(lifetimeLimitsMs[index] as number));
    // A credential's small facts as the digits of one integer, so that a group is (class, kind, exposure, facts).
    const digits: FactDigit[] = [
      // 0 outside a managed store, 1 in one, 2 not recorded.
      { radix: 3, value: sql`coalesce(c.managed_storage, 2)` },
      { radix: 2, value: sql`c.no_expiry` },
      { radix: ageEdgesMs.length + 1, value: sql`c.age_bucket` },
      // 0 lifetime unknown, else 1 + how many of the limits it exceeds.
      { radix: lifetimeLimitsMs.length + 2, value: sql`case when c.lifetime is null then 0 else ${rank} + 1 end` },
      // 1 over the CA/B maximum, 0 within it, 2 not a certificate with both dates.
      { radix: 3, value: sql`case when c.lifetime is null or c.cab_limit is null then 2 when c.lifetime + c.tie > c.cab_limit then 1 else 0 end` },
    ];
    const facts = digits.slice(1).reduce<RawBuilder<number | string>>((number, digit) => sql`(${number}) * ${sql.lit(digit.radix)} + ${digit.value}`, sql`cast(${digits[0]!.value} as bigint)`);
    let rows: GroupRow[];
    if (countByKeyFunction === null) {
      rows = await trx.selectFrom(perCredential)
        .select(['c.class_id', 'c.kind', 'c.exposed_to', facts.as('facts'), (eb) => eb.fn.countAll<number | string>().as('n')])
        .groupBy(['c.class_id', 'c.kind', 'c.exposed_to', sql.ref('facts')])
        .execute();
    } else {
      // Where GROUP BY would sort every live credential, a hash map counts them by a JSON key.
      const { counts } = await trx.selectFrom(perCredential)
        .select(sql<string>`${sql.id(countByKeyFunction)}(json_array(c.class_id, c.kind, c.exposed_to, ${facts}))`.as('counts'))
        .executeTakeFirstOrThrow();
      rows = (JSON.parse(counts) as [string, number][]).map(([key, n]) => {
        const [classId, kind, exposedTo, number] = JSON.parse(key) as [string | null, string, string, number];
        return { class_id: classId, kind, exposed_to: exposedTo, facts: number, n };
      });
    }
    const groups = new Map<string, CredentialGroup & { ageBuckets: number[]; lifetimeOver: number[] }>();
    for (const row of rows) {
      const key = JSON.stringify([row.class_id, row.kind, row.exposed_to]);
      const group = groups.get(key) ?? {
        classId: row.class_id, kind: row.kind, exposedTo: JSON.parse(row.exposed_to) as string[], count: 0,
        ageBuckets: [...ageEdgesMs, null].map(() => 0), noExpiry: 0, managed: 0, storageUnknown: 0,
        lifetimeKnown: 0, lifetimeOver: lifetimeLimitsMs.map(() => 0), overCabMaximum: 0,
      };
      groups.set(key, group);
      const n = asNumber(row.n);
      const [managed = 0, noExpiry = 0, bucket = 0, lifetime = 0, overCab = 0] = digitsOf(asNumber(row.facts), digits);
      group.count += n;
      group.ageBuckets[bucket] = (group.ageBuckets[bucket] ?? 0) + n;
      if (noExpiry === 1) group.noExpiry += n;
      if (managed === 2) group.storageUnknown += n;
      else if (managed === 1) group.managed += n;
      if (lifetime > 0) {
        group.lifetimeKnown += n;
        group.lifetimeOver = group.lifetimeOver.map((over, index) => (lifetime - 1 > index ? over + n : over));
      }
      if (overCab === 1) group.overCabMaximum += n;
    }
    return [...groups.values()];
  };

  /** Credentials of every status per class: the class index answers it without reading rows. */
  const classTotals = async (): Promise<PostureInputs['classTotals']> => {
    const rows = await trx.selectFrom('credentials').select(['class_id', (eb) => eb.fn.countAll<number | string>().as('n')]).groupBy('class_id').execute();
    return rows.map((row) => ({ classId: row.class_id, count: asNumber(row.n) }));
  };

  /** Credentials per stored status, and how many active ones are past their not-after: the status index answers it. */
  const statusCounts = async (at: string) => {
    const rows = await trx.selectFrom('credentials')
      .select(['status', (eb) => eb.fn.countAll<number | string>().as('n'), countWhere(sql`expiry_order < ${at}`).as('past_expiry')])
      .groupBy('status').execute();
    return {
      statuses: rows.map((row) => ({ status: row.status, count: asNumber(row.n) })),
      lapsed: asNumber(rows.find((row) => row.status === 'active')?.past_expiry),
    };
  };

  const unmanagedLocations = async (at: string) => {
    const rows = await unmanagedLocationsQuery(trx, at).execute();
    return rows.map((row) => ({ location: row.storage_location, count: asNumber(row.n) }));
  };

  /** Separation of duties and verification, in one scan of the changes. */
  const changeCounts = async (): Promise<Omit<ChangeCounts, keyof RevocationDeadlineCounts>> => {
    // Per change, once: whether an approver (an approve step) also requested, executed or verified it, and
    // whether the change broke a rule of separation of duties.
    const perChange = trx.selectFrom('changes')
      .select(['action', 'status', 'requester', 'executor', 'verifier', 'executed_at'])
      .select([
        sql<number>`case when verifier is not null and exists (select 1 from change_events e where e.change_id = changes.id and e.step = 'approve' and e.actor in (changes.requester, changes.executor, changes.verifier)) then 1 else 0 end`.as('approver_doubled'),
        sql<number>`case when verifier is not null and ${separationBroken} then 1 else 0 end`.as('separation_broken'),
      ])
      .limit(noLimit)
      .as('c');
    const row = await trx.selectFrom(perChange).select([
      countWhere(sql`executed_at is not null`).as('executed'),
      countWhere(sql`executed_at is not null and verifier is not null`).as('executed_verified'),
      countWhere(sql`verifier is not null`).as('verified'),
      countWhere(sql`verifier is not null and requester <> executor and requester <> verifier and executor <> verifier and approver_doubled = 0`).as('all_distinct'),
      countWhere(sql`verifier is not null and separation_broken = 0`).as('as_enforced'),
    ]).executeTakeFirstOrThrow() as Record<string, unknown>;
    return {
      executed: asNumber(row.executed), executedVerified: asNumber(row.executed_verified), verified: asNumber(row.verified),
      allDistinct: asNumber(row.all_distinct), separatedAsEnforced: asNumber(row.as_enforced),
    };
  };

  /**
   * M16's deadlines: every revocation's facts, judged by the revocation clock (core/changes), which the
   * evidence pack and the revocation_sla_breach alert also use, so none of them can count otherwise.
   * Revocations are few beside credentials, so their rows are read, not aggregated in SQL.
   */
  const revocationDeadlines = async (at: Date): Promise<RevocationDeadlineCounts> => {
    const rows = await trx.selectFrom('changes').select(['trigger', 'status', 'requested_at', 'due_at', 'executed_at', 'verified_at'])
      .where('action', '=', 'revoke').execute();
    return countRevocationDeadlines(rows.map((row) => revocationClock({
      trigger: row.trigger, status: row.status, requestedAt: row.requested_at, dueAt: row.due_at, executedAt: row.executed_at, verifiedAt: row.verified_at,
    }, at)));
  };

  /**
   * M06: revoked or retired credentials that a verified revoke or retire change took through every formal
   * step, and the time from request (the trigger) to verification of the triggered ones, at the median
   * and the 95th percentile by nearest rank (ceil(p × n)).
   */
  const offboarding = async (): Promise<PostureInputs['offboarding']> => {
    const formal = await trx.selectFrom('changes')
      .innerJoin('change_credentials', 'change_credentials.change_id', 'changes.id')
      .innerJoin('credentials', 'credentials.id', 'change_credentials.credential_id')
      .select((eb) => eb.fn.count<number | string>('change_credentials.credential_id').distinct().as('n'))
      .where('changes.action', 'in', ['revoke', 'retire']).where('changes.status', '=', 'verified')
      .where('credentials.status', 'in', ['revoked', 'retired'])
      .where((eb) => eb(eb.selectFrom('change_events').select((inner) => inner.fn.count('change_events.step').distinct().as('steps'))
        .whereRef('change_events.change_id', '=', 'changes.id').where('change_events.step', 'in', formalSteps), '=', formalSteps.length))
      .executeTakeFirstOrThrow();
    const spans = await sql<{ span: number | string; nth: number | string; counted: number | string }>`
      select span, nth, counted from (
        select span, row_number() over (order by span) as nth, count(*) over () as counted from (
          select ${instantMs('verified_at')} - ${instantMs('requested_at')} as span from changes
          where action in ('revoke', 'retire') and trigger is not null and status = 'verified'
        ) triggered
      ) ranked
      where nth = (counted + 1) / 2 or nth = (95 * counted + 99) / 100`.execute(trx);
    const total = asNumber(spans.rows[0]?.counted);
    const spanAt = (nth: number): number | null => (total === 0 ? null : asNumber(spans.rows.find((row) => asNumber(row.nth) === nth)?.span));
    return {
      formal: asNumber(formal.n),
      triggered: total,
      medianMs: spanAt(Math.floor((total + 1) / 2)),
      p95Ms: spanAt(Math.floor((95 * total + 99) / 100)),
    };
  };

  return {
    /**
     * What computePosture needs, read at `context.at`. The queries are issued together: inside a
     * transaction they run one after another on its connection; given the database itself, PostgreSQL
     * runs them at once on the pool's connections.
     */
    async inputs(context: PostureContext): Promise<PostureInputs> {
      const { at, governance } = context;
      const now = at.toISOString();
      const ageEdgesMs = ageEdgesFor(governance);
      const lifetimeLimitsMs = lifetimeLimitsFor(governance);
      const [groups, totals, { statuses, lapsed }, locations, ended, changes, deadlines] = await Promise.all([
        credentialGroups(at, ageEdgesMs, lifetimeLimitsMs), classTotals(), statusCounts(now), unmanagedLocations(now), offboarding(), changeCounts(), revocationDeadlines(at),
      ]);
      return {
        governance, ageEdgesMs, lifetimeLimitsMs, groups, classTotals: totals, statuses, lapsed, unmanagedLocations: locations, offboarding: ended, changes: { ...changes, ...deadlines },
      };
    },

    /** Records the posture of `day` (YYYY-MM-DD), replacing one recorded earlier that day. Run it in a unit of work, so the two statements are one change. */
    async saveSnapshot(day: string, at: Date, posture: Posture): Promise<void> {
      if (!dayPattern.test(day)) throw new TrustplaneError('VALIDATION_FAILED', `a posture snapshot's day is written YYYY-MM-DD, not "${day.slice(0, 40)}"; nothing was recorded`);
      await trx.deleteFrom('posture_snapshots').where('day', '=', day).execute();
      await trx.insertInto('posture_snapshots').values({ day, at: at.toISOString(), metrics: JSON.stringify(posture) }).execute();
    },

    /** The newest `limit` snapshots, newest first. */
    async snapshots(limit: number): Promise<PostureSnapshot[]> {
      const rows = await trx.selectFrom('posture_snapshots').selectAll().orderBy('day', 'desc').limit(limit).execute();
      return rows.map((row) => ({ day: row.day, at: row.at, posture: JSON.parse(row.metrics) as Posture }));
    },
  };
};

export type PostureStore = ReturnType<typeof createPostureStore>;
