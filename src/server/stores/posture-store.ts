// Posture's counts (core/monitor/posture.ts), read with seven aggregate queries so that no credential is
// ever loaded on its own: one scan of the credentials grouped by class, kind, exposure and age bucket;
// counts per class and per status from their indexes; the ten commonest places unmanaged secrets are
// kept; one scan of the changes; and the revocations behind M06. Per-class policy is applied in
// TypeScript over the groups (at most ~1000 classes), not passed to SQL.
//
// Both databases read the same SQL: timestamps are fixed-width ISO-8601 UTC text, so comparing text
// compares instants, and the few spans that need arithmetic are computed with integers from the text.
// Daily snapshots of the posture, for a trend, live here too.
import { sql } from 'kysely';
import type { Kysely, RawBuilder, Transaction } from 'kysely';
import {
  ageEdgesFor, cabValiditySchedule, lifetimeLimitsFor, liveStatuses, revocationWindowsMs, secretKinds,
} from '../../core/monitor/posture.ts';
import type { ChangeCounts, CredentialGroup, DeadlineCounts, Posture, PostureContext, PostureInputs } from '../../core/monitor/posture.ts';
import { TrustplaneError } from '../../core/errors.ts';
import type { DatabaseSchema } from '../db/schema.ts';

const day = 86_400_000;

/** The steps change-service.ts records for request, approval, a successful execution and verification. */
const formalSteps = ['request', 'approve', 'executed', 'verify'] as const;

/** Statuses of a change that ended without doing anything: its deadline is another change's to meet. */
const abandonedStatuses = ['rejected', 'cancelled'] as const;

/**
 * An upper bound no table reaches. A LIMIT on a subquery keeps SQLite's flattener and PostgreSQL's
 * pull-up from merging it into the outer query, so what each row computes (its age bucket, its
 * lifetime) is computed once, not once per aggregate that reads it.
 */
const noLimit = Number.MAX_SAFE_INTEGER;

const number = (value: unknown): number => (value === null || value === undefined ? 0 : Number(value));

/**
 * Milliseconds since 1970 of an instant column, from its text alone (2026-11-22T12:00:00.000Z), with
 * integer arithmetic both databases share: days from the civil date (Howard Hinnant's days_from_civil,
 * years counted from March so that the leap day ends a year), then the time of day.
 */
const instantMs = (column: string): RawBuilder<number> => {
  const part = (from: number, length: number) => sql`cast(substr(${sql.ref(column)}, ${sql.lit(from)}, ${sql.lit(length)}) as bigint)`;
  const month = part(6, 2);
  const marchYear = sql`(${part(1, 4)} - case when ${month} <= 2 then 1 else 0 end)`;
  const days = sql`(365 * ${marchYear} + ${marchYear} / 4 - ${marchYear} / 100 + ${marchYear} / 400 + (153 * ((${month} + 9) % 12) + 2) / 5 + ${part(9, 2)} - 719469)`;
  return sql<number>`(${days} * 86400000 + ${part(12, 2)} * 3600000 + ${part(15, 2)} * 60000 + ${part(18, 2)} * 1000 + ${part(21, 3)})`;
};

/** A count of the rows for which `condition` holds. */
const countWhere = (condition: RawBuilder<unknown>) => sql<number | string | null>`sum(case when ${condition} then 1 else 0 end)`;

/**
 * The age bucket of each credential (see CredentialGroup.ageBuckets) as a tree of comparisons against the
 * instants `at − edge`, so that a row makes about log2(edges) comparisons rather than one per edge.
 */
const ageBucket = (reference: RawBuilder<string>, cutoffs: readonly string[], low = 0, high = cutoffs.length): RawBuilder<number> => {
  if (low === high) return sql<number>`${sql.lit(low)}`;
  const middle = Math.floor((low + high) / 2);
  return sql<number>`case when ${reference} > ${cutoffs[middle]} then ${ageBucket(reference, cutoffs, low, middle)} else ${ageBucket(reference, cutoffs, middle + 1, high)} end`;
};

/** The CA/B maximum validity, in milliseconds, for a certificate issued at its notBefore (cabValiditySchedule). */
const cabMaximumMs = (): RawBuilder<number> => {
  const steps = [...cabValiditySchedule].reverse();
  const branches = steps.filter((step) => step.issuedFrom !== null)
    .map((step) => sql`when not_before >= ${step.issuedFrom} then ${sql.lit(step.maxDays * day)}`);
  return sql<number>`case ${sql.join(branches, sql` `)} else ${sql.lit((steps.at(-1)?.maxDays ?? 398) * day)} end`;
};

export type PostureSnapshot = { day: string; at: string; posture: Posture };

const dayPattern = /^\d{4}-\d{2}-\d{2}$/;

export const createPostureStore = (trx: Kysely<DatabaseSchema> | Transaction<DatabaseSchema>) => {
  const liveCredentials = (at: string) => trx.selectFrom('credentials').where('status', 'in', liveStatuses).where('expiry_order', '>=', at);

  /** Live credentials grouped by class, kind, exposure list and age bucket, with the counts each metric needs. */
  const credentialGroups = async (at: Date, ageEdgesMs: readonly number[], lifetimeLimitsMs: readonly number[]): Promise<CredentialGroup[]> => {
    const now = at.toISOString();
    const cutoffs = ageEdgesMs.map((edge) => new Date(at.getTime() - edge).toISOString());
    const reference = sql<string>`coalesce(last_rotated_at, not_before, created_at)`;
    // Lifetimes cost the most per row; without a class maxLifetime only certificates need one (CA/B).
    const lifetimeNeeded = lifetimeLimitsMs.length > 0 ? sql`not_before is not null and not_after is not null`
      : sql`kind = 'x509_certificate' and not_before is not null and not_after is not null`;
    const perCredential = liveCredentials(now)
      .select(['class_id', 'kind', 'exposed_to', 'managed_storage'])
      .select([
        ageBucket(reference, cutoffs).as('age_bucket'),
        sql<number | null>`case when ${lifetimeNeeded} then ${instantMs('not_after')} - ${instantMs('not_before')} end`.as('lifetime_ms'),
        sql<number | null>`case when kind = 'x509_certificate' and not_before is not null then ${cabMaximumMs()} end`.as('cab_maximum_ms'),
        sql<number>`case when not_after is null then 1 else 0 end`.as('no_expiry'),
      ])
      .limit(noLimit)
      .as('c');
    const rows = await trx.selectFrom(perCredential)
      .select(['c.class_id', 'c.kind', 'c.exposed_to', 'c.age_bucket'])
      .select((eb) => [
        eb.fn.countAll<number | string>().as('n'),
        sql<number | string | null>`sum(c.no_expiry)`.as('no_expiry'),
        countWhere(sql`c.managed_storage = 1`).as('managed'),
        countWhere(sql`c.managed_storage is null`).as('storage_unknown'),
        eb.fn.count<number | string>('c.lifetime_ms').as('lifetime_known'),
        // Validity includes its last second (exceedsCabMaximum).
        countWhere(sql`c.lifetime_ms + 1000 > c.cab_maximum_ms`).as('over_cab'),
        ...lifetimeLimitsMs.map((limit, index) => countWhere(sql`c.lifetime_ms > ${sql.lit(limit)}`).as(`over_${index}`)),
      ])
      .groupBy(['c.class_id', 'c.kind', 'c.exposed_to', 'c.age_bucket'])
      .execute();
    const groups = new Map<string, CredentialGroup & { ageBuckets: number[]; lifetimeOver: number[] }>();
    for (const row of rows) {
      const key = JSON.stringify([row.class_id, row.kind, row.exposed_to]);
      let group = groups.get(key);
      if (group === undefined) {
        group = {
          classId: row.class_id, kind: row.kind, exposedTo: JSON.parse(row.exposed_to) as string[], count: 0,
          ageBuckets: Array.from({ length: ageEdgesMs.length + 1 }, () => 0), noExpiry: 0, managed: 0, storageUnknown: 0,
          lifetimeKnown: 0, lifetimeOver: lifetimeLimitsMs.map(() => 0), overCabMaximum: 0,
        };
        groups.set(key, group);
      }
      const counts = row as unknown as Record<string, unknown>;
      group.count += number(row.n);
      const bucket = number(row.age_bucket);
      group.ageBuckets[bucket] = (group.ageBuckets[bucket] ?? 0) + number(row.n);
      group.noExpiry += number(row.no_expiry);
      group.managed += number(row.managed);
      group.storageUnknown += number(row.storage_unknown);
      group.lifetimeKnown += number(row.lifetime_known);
      group.overCabMaximum += number(row.over_cab);
      group.lifetimeOver = group.lifetimeOver.map((over, index) => over + number(counts[`over_${index}`]));
    }
    return [...groups.values()];
  };

  /** Credentials of every status per class: the class index answers it without reading rows. */
  const classTotals = async () => {
    const rows = await trx.selectFrom('credentials').select(['class_id', (eb) => eb.fn.countAll<number | string>().as('n')]).groupBy('class_id').execute();
    return rows.map((row) => ({ classId: row.class_id, count: number(row.n) }));
  };

  /** Credentials per stored status, and how many active ones are past their not-after: the status index answers it. */
  const statusCounts = async (at: string) => {
    const rows = await trx.selectFrom('credentials')
      .select(['status', (eb) => eb.fn.countAll<number | string>().as('n'), countWhere(sql`expiry_order < ${at}`).as('past_expiry')])
      .groupBy('status').execute();
    return {
      statuses: rows.map((row) => ({ status: row.status, count: number(row.n) })),
      lapsed: number(rows.find((row) => row.status === 'active')?.past_expiry),
    };
  };

  /** The ten places most live secrets outside a known managed store are kept (ties by name, so both databases agree). */
  const unmanagedLocations = async (at: string) => {
    const rows = await liveCredentials(at)
      .select(['storage_location', (eb) => eb.fn.countAll<number | string>().as('n')])
      .where('kind', 'in', secretKinds)
      .where((eb) => eb.or([eb('managed_storage', 'is', null), eb('managed_storage', '=', 0)]))
      .groupBy('storage_location')
      .orderBy('n', 'desc').orderBy(sql`coalesce(storage_location, '')`)
      .limit(10)
      .execute();
    return rows.map((row) => ({ location: row.storage_location, count: number(row.n) }));
  };

  /** Separation of duties, verification and revocation deadlines, in one scan of the changes. */
  const changeCounts = async (at: Date): Promise<ChangeCounts> => {
    const now = at.toISOString();
    // An approver who also requested, executed or verified the change (approvals are its approve steps).
    const approverDoubled = sql`exists (select 1 from change_events e where e.change_id = changes.id and e.step = 'approve' and e.actor in (changes.requester, changes.executor, changes.verifier))`;
    const revocation = (trigger: RawBuilder<unknown>) => sql`action = 'revoke' and ${trigger} and status not in (${sql.join([...abandonedStatuses])})`;
    const verifiedWithin = (windowMs: number) => sql`status = 'verified' and ${instantMs('verified_at')} - ${instantMs('requested_at')} <= ${sql.lit(windowMs)}`;
    const deadline = (name: string, scope: RawBuilder<unknown>, met: RawBuilder<unknown>, passed: RawBuilder<unknown>) => [
      countWhere(sql`${scope} and (status = 'verified' or ${passed})`).as(`${name}_settled`),
      countWhere(sql`${scope} and ${met}`).as(`${name}_met`),
      countWhere(sql`${scope} and status <> 'verified' and not (${passed})`).as(`${name}_open`),
    ];
    const keyCompromise = revocation(sql`trigger = 'key_compromise'`);
    const otherTriggers = revocation(sql`trigger is not null and trigger <> 'key_compromise'`);
    const classSla = revocation(sql`due_at is not null`);
    const row = await trx.selectFrom('changes').select([
      countWhere(sql`executed_at is not null`).as('executed'),
      countWhere(sql`executed_at is not null and verifier is not null`).as('executed_verified'),
      countWhere(sql`verifier is not null`).as('verified'),
      countWhere(sql`verifier is not null and requester <> executor and requester <> verifier and executor <> verifier and not ${approverDoubled}`).as('all_distinct'),
      countWhere(sql`verifier is not null and executor <> verifier and not ${approverDoubled}`).as('as_enforced'),
      ...deadline('key_compromise', keyCompromise, verifiedWithin(revocationWindowsMs.keyCompromise),
        sql`requested_at <= ${new Date(at.getTime() - revocationWindowsMs.keyCompromise).toISOString()}`),
      ...deadline('other_triggers', otherTriggers, verifiedWithin(revocationWindowsMs.otherTriggers),
        sql`requested_at <= ${new Date(at.getTime() - revocationWindowsMs.otherTriggers).toISOString()}`),
      ...deadline('class_sla', classSla, sql`status = 'verified' and verified_at <= due_at`, sql`due_at <= ${now}`),
    ]).executeTakeFirstOrThrow() as Record<string, unknown>;
    const counts = (name: string): DeadlineCounts => ({ settled: number(row[`${name}_settled`]), met: number(row[`${name}_met`]), open: number(row[`${name}_open`]) });
    return {
      executed: number(row.executed), executedVerified: number(row.executed_verified), verified: number(row.verified),
      allDistinct: number(row.all_distinct), separatedAsEnforced: number(row.as_enforced),
      keyCompromise: counts('key_compromise'), otherTriggers: counts('other_triggers'), classSla: counts('class_sla'),
    };
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
    const total = number(spans.rows[0]?.counted);
    const at = (nth: number) => spans.rows.find((row) => number(row.nth) === nth);
    return {
      formal: number(formal.n),
      triggered: total,
      medianMs: total === 0 ? null : number(at(Math.floor((total + 1) / 2))?.span),
      p95Ms: total === 0 ? null : number(at(Math.floor((95 * total + 99) / 100))?.span),
    };
  };

  return {
    /** What computePosture needs, read at `context.at`. */
    async inputs(context: PostureContext): Promise<PostureInputs> {
      const { at, governance } = context;
      const now = at.toISOString();
      const ageEdgesMs = ageEdgesFor(governance);
      const lifetimeLimitsMs = lifetimeLimitsFor(governance);
      const { statuses, lapsed } = await statusCounts(now);
      return {
        governance, ageEdgesMs, lifetimeLimitsMs,
        groups: await credentialGroups(at, ageEdgesMs, lifetimeLimitsMs),
        classTotals: await classTotals(),
        statuses, lapsed,
        unmanagedLocations: await unmanagedLocations(now),
        offboarding: await offboarding(),
        changes: await changeCounts(at),
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
