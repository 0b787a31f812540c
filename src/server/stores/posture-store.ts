// Posture's counts (core/monitor/posture.ts), read with aggregate queries so that no credential is ever
// loaded on its own: one scan of the live credentials that applies each class's policy and sums into
// one row; the live credentials exposed to someone, grouped by class and exposure list; the ten places
// most unmanaged secrets are kept; counts per class and per status, which their indexes answer; one scan
// of the changes; and the revocations behind M06.
//
// The big scan sums into one row rather than grouping by class: SQLite has no hash aggregate, so a
// GROUP BY over a million rows sorts them all (measured: longer than the whole scan). Each class's
// policy goes in as one list of class ids per distinct value (per rotateEvery, per maxLifetime), tested
// once per row. Ownership and third parties, which need the class itself, are combined per class in
// TypeScript from the grouped queries.
//
// Both databases read the same SQL: timestamps are fixed-width ISO-8601 UTC text, so comparing text
// compares instants, and the spans that need arithmetic are computed with integers from the text.
// Daily snapshots of the posture, for a trend, live here too.
import { sql } from 'kysely';
import type { Kysely, RawBuilder, Transaction } from 'kysely';
import { TrustplaneError } from '../../core/errors.ts';
import {
  ageEdgesMs, cabValiditySchedule, liveStatuses, revocationWindowsMs, secretKinds,
} from '../../core/monitor/posture.ts';
import type { ChangeCounts, CredentialCounts, DeadlineCounts, Posture, PostureContext, PostureGovernance, PostureInputs } from '../../core/monitor/posture.ts';
import type { DatabaseSchema } from '../db/schema.ts';

const dayMs = 86_400_000;

/** The steps change-service.ts records for request, approval, a successful execution and verification. */
const formalSteps = ['request', 'approve', 'executed', 'verify'] as const;

/** Statuses of a change that ended without doing anything: its deadline is another change's to meet. */
const abandonedStatuses = ['rejected', 'cancelled'] as const;

/**
 * An upper bound no table reaches. A LIMIT on a subquery keeps SQLite's flattener and PostgreSQL's
 * pull-up from merging it into the outer query, so what each row computes is computed once, not once per
 * aggregate that reads it.
 */
const noLimit = Number.MAX_SAFE_INTEGER;

const number = (value: unknown): number => (value === null || value === undefined ? 0 : Number(value));

const part = (column: string, from: number, length: number) => sql`cast(substr(${sql.ref(column)}, ${sql.lit(from)}, ${sql.lit(length)}) as bigint)`;

/**
 * A day number of an instant column's date, from its text: years counted from March (so the leap day
 * ends a year) and 1461 days to four years. Differences are exact between 1901-03-01 and 2100-02-28;
 * beyond them a span is off by a day per century crossed, which only spans of centuries do.
 */
const dayNumber = (column: string): RawBuilder<number> => {
  const month = part(column, 6, 2);
  return sql<number>`((1461 * (${part(column, 1, 4)} - (14 - ${month}) / 12)) / 4 + (153 * ((${month} + 9) % 12) + 2) / 5 + ${part(column, 9, 2)})`;
};

/** An instant column in milliseconds on the day numbers' scale: for differences only. */
const instantMs = (column: string): RawBuilder<number> =>
  sql<number>`(${dayNumber(column)} * 86400000 + ${part(column, 12, 2)} * 3600000 + ${part(column, 15, 2)} * 60000 + ${part(column, 18, 2)} * 1000 + ${part(column, 21, 3)})`;

/**
 * Twice the whole days from not_before to not_after, plus one when not_after's time of day is later (or,
 * `inclusive`, not earlier). `> 2k` then says exactly whether the lifetime exceeds k days, and
 * inclusive, whether a validity that includes its last second does (for whole-second times, as
 * certificates have), with two day numbers and a text comparison in place of millisecond arithmetic.
 */
const doubledDays = (inclusive: boolean): RawBuilder<number> =>
  sql<number>`(2 * (${dayNumber('not_after')} - ${dayNumber('not_before')}) + case when substr(not_after, 12) ${sql.raw(inclusive ? '>=' : '>')} substr(not_before, 12) then 1 else 0 end)`;

/** A count of the rows for which `condition` holds. */
const countWhere = (condition: RawBuilder<unknown>) => sql<number | string | null>`sum(case when ${condition} then 1 else 0 end)`;

/**
 * The age bucket of each credential (CredentialCounts.ageBuckets) as a tree of comparisons against the
 * instants `at − edge`, so that a row makes about log2(edges) comparisons rather than one per edge.
 */
const ageBucket = (reference: RawBuilder<string>, cutoffs: readonly string[], low = 0, high = cutoffs.length): RawBuilder<number> => {
  if (low === high) return sql<number>`${sql.lit(low)}`;
  const middle = Math.floor((low + high) / 2);
  return sql<number>`case when ${reference} > ${cutoffs[middle]} then ${ageBucket(reference, cutoffs, low, middle)} else ${ageBucket(reference, cutoffs, middle + 1, high)} end`;
};

/** Twice the CA/B maximum validity in days for a certificate issued at its not_before (cabValiditySchedule). */
const doubledCabMaximumDays = (): RawBuilder<number> => {
  const steps = [...cabValiditySchedule].reverse();
  const branches = steps.filter((step) => step.issuedFrom !== null)
    .map((step) => sql`when not_before >= ${step.issuedFrom} then ${sql.lit(2 * step.maxDays)}`);
  return sql<number>`case ${sql.join(branches, sql` `)} else ${sql.lit(2 * (steps.at(-1)?.maxDays ?? 398))} end`;
};

/** Class ids grouped by the value `valueOf` gives their class (classes without one left out). */
const classesBy = <V>(governance: PostureGovernance, valueOf: (entry: PostureGovernance['classes'][number]) => V | null): Map<V, string[]> => {
  const groups = new Map<V, string[]>();
  for (const entry of governance.classes) {
    const value = valueOf(entry);
    if (value !== null) groups.set(value, [...groups.get(value) ?? [], entry.id]);
  }
  return groups;
};

/** `case when class_id in (…) then branch(value) … else otherwise end`: one list per distinct value of a class policy. */
const byClassPolicy = <V>(groups: ReadonlyMap<V, readonly string[]>, branch: (value: V) => RawBuilder<unknown>, otherwise: RawBuilder<unknown>): RawBuilder<unknown> => {
  if (groups.size === 0) return otherwise;
  const branches = [...groups].map(([value, ids]) => sql`when class_id in (${sql.join([...ids])}) then ${branch(value)}`);
  return sql`case ${sql.join(branches, sql` `)} else ${otherwise} end`;
};

const inClasses = (ids: readonly string[]): RawBuilder<unknown> => (ids.length === 0 ? sql`1 = 0` : sql`class_id in (${sql.join([...ids])})`);

export type PostureSnapshot = { day: string; at: string; posture: Posture };

const dayPattern = /^\d{4}-\d{2}-\d{2}$/;

export const createPostureStore = (trx: Kysely<DatabaseSchema> | Transaction<DatabaseSchema>) => {
  const liveCredentials = (at: string) => trx.selectFrom('credentials').where('status', 'in', liveStatuses).where('expiry_order', '>=', at);

  /** One scan of the live credentials, each class's policy applied row by row, summed into one row. */
  const credentialCounts = async (at: Date, governance: PostureGovernance): Promise<CredentialCounts> => {
    const reference = sql<string>`coalesce(last_rotated_at, not_before, created_at)`;
    const cutoffs = ageEdgesMs.map((edge) => new Date(at.getTime() - edge).toISOString());
    const rotatedWithin = (everyMs: number) => sql`case when ${reference} > ${new Date(at.getTime() - everyMs).toISOString()} then 1 else 0 end`;
    // Whole-day limits (the usual) need only day numbers; others the full instants.
    const overLimit = (maxMs: number) => (maxMs % dayMs === 0 ? sql`${doubledDays(false)} > ${sql.lit((2 * maxMs) / dayMs)}` : sql`${instantMs('not_after')} - ${instantMs('not_before')} > ${sql.lit(maxMs)}`);
    const publicIds = governance.classes.filter((entry) => entry.public).map((entry) => entry.id);
    const automatedIds = governance.classes.filter((entry) => entry.public && entry.renewPreApproved).map((entry) => entry.id);
    const perCredential = liveCredentials(at.toISOString())
      .select(['managed_storage'])
      .select([
        sql<number>`case when not_after is null then 1 else 0 end`.as('no_expiry'),
        ageBucket(reference, cutoffs).as('age_bucket'),
        sql<number>`case when kind in (${sql.join([...secretKinds])}) then 1 else 0 end`.as('secret'),
        // null: the class has no rotateEvery; 1: rotated within it.
        byClassPolicy(classesBy(governance, (entry) => entry.rotateEveryMs), rotatedWithin, sql`null`).as('rotated'),
        // null: the class has no maxLifetime; 2: lifetime unknown; 1: over it.
        byClassPolicy(classesBy(governance, (entry) => entry.maxLifetimeMs),
          (maxMs) => sql`case when not_before is null or not_after is null then 2 when ${overLimit(maxMs)} then 1 else 0 end`, sql`null`).as('over_limit'),
        // 0: not a public TLS certificate; 1: one renewed by people; 2: one renewed as a pre-approved change.
        sql<number>`case when kind = 'x509_certificate' and ${inClasses(publicIds)} then case when ${inClasses(automatedIds)} then 2 else 1 end else 0 end`.as('public_tls'),
        // null: not a public TLS certificate with both dates; 1: validity over the CA/B maximum (exceedsCabMaximum).
        sql<number>`case when kind = 'x509_certificate' and not_before is not null and not_after is not null and ${inClasses(publicIds)} then case when ${doubledDays(true)} > ${doubledCabMaximumDays()} then 1 else 0 end end`.as('over_cab'),
      ])
      .limit(noLimit)
      .as('c');
    const row = await trx.selectFrom(perCredential).select((eb) => [
      eb.fn.countAll<number | string>().as('live'),
      sql<number | string | null>`sum(c.no_expiry)`.as('no_expiry'),
      ...ageEdgesMs.map((_, index) => countWhere(sql`c.age_bucket = ${sql.lit(index)}`).as(`age_${index}`)),
      countWhere(sql`c.age_bucket = ${sql.lit(ageEdgesMs.length)}`).as(`age_${ageEdgesMs.length}`),
      eb.fn.count<number | string>('c.rotated').as('rotation_policy'),
      sql<number | string | null>`sum(c.rotated)`.as('rotated'),
      eb.fn.count<number | string>('c.over_limit').as('lifetime_limited'),
      countWhere(sql`c.over_limit = 2`).as('lifetime_unknown'),
      countWhere(sql`c.over_limit = 1`).as('over_limit'),
      countWhere(sql`c.public_tls > 0`).as('public_tls'),
      countWhere(sql`c.public_tls = 2`).as('automated'),
      eb.fn.count<number | string>('c.over_cab').as('public_lifetime_known'),
      sql<number | string | null>`sum(c.over_cab)`.as('over_cab'),
      sql<number | string | null>`sum(c.secret)`.as('secrets'),
      countWhere(sql`c.secret = 1 and c.managed_storage = 1`).as('managed'),
      countWhere(sql`c.secret = 1 and c.managed_storage is null`).as('storage_unknown'),
    ]).executeTakeFirstOrThrow() as Record<string, unknown>;
    return {
      live: number(row.live),
      noExpiry: number(row.no_expiry),
      ageBuckets: [...ageEdgesMs, null].map((_, index) => number(row[`age_${index}`])),
      rotation: { withPolicy: number(row.rotation_policy), compliant: number(row.rotated) },
      lifetime: { limited: number(row.lifetime_limited), unknown: number(row.lifetime_unknown), over: number(row.over_limit) },
      publicTls: { count: number(row.public_tls), automated: number(row.automated), lifetimeKnown: number(row.public_lifetime_known), overCabMaximum: number(row.over_cab) },
      secrets: { count: number(row.secrets), managed: number(row.managed), storageUnknown: number(row.storage_unknown) },
    };
  };

  /** Live credentials exposed to anyone, per class and exposure list: few rows, so grouping them costs little. */
  const exposure = async (at: string): Promise<PostureInputs['exposure']> => {
    const rows = await liveCredentials(at)
      .select(['class_id', 'exposed_to', (eb) => eb.fn.countAll<number | string>().as('n')])
      .where('exposed_to', '<>', '[]')
      .groupBy(['class_id', 'exposed_to'])
      .execute();
    return rows.map((row) => ({ classId: row.class_id, exposedTo: JSON.parse(row.exposed_to) as string[], count: number(row.n) }));
  };

  /** Per class, live credentials and those of every status: the class index answers it without reading rows. */
  const classCounts = async (at: string): Promise<PostureInputs['classes']> => {
    const rows = await trx.selectFrom('credentials')
      .select(['class_id', (eb) => eb.fn.countAll<number | string>().as('n'),
        countWhere(sql`status in (${sql.join([...liveStatuses])}) and expiry_order >= ${at}`).as('live')])
      .groupBy('class_id').execute();
    return rows.map((row) => ({ classId: row.class_id, live: number(row.live), total: number(row.n) }));
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

  /** The ten places most live secrets outside a known managed store are kept; ties go by name, an unrecorded place as the empty name. */
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
      const { statuses, lapsed } = await statusCounts(now);
      return {
        governance,
        credentials: await credentialCounts(at, governance),
        classes: await classCounts(now),
        exposure: await exposure(now),
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
