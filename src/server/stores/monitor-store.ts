// What a monitoring sweep reads: credentials page by page in id order (each page its own short read, so
// a sweep over a million never holds the database), the revocations and reviews that have deadlines,
// who was offboarded, and the scheduler's leases and job runs.
import { sql } from 'kysely';
import type { Kysely, Transaction } from 'kysely';
import { likeLiteral } from './credential-query.ts';
import type { MonitoredChange, MonitoredCredential, MonitoredReview } from '../../core/monitor/index.ts';
import type { DatabaseSchema, OffboardingTable } from '../db/schema.ts';

const monitoredColumns = [
  'id', 'name', 'kind', 'class_id', 'status', 'not_before', 'not_after', 'last_rotated_at', 'created_at', 'key_algorithm', 'key_size',
  'signature_algorithm', 'managed_storage', 'storage_location', 'exposed_to',
] as const;

/** Values by key, in the order they came: one pass, where a filter per row would be one pass each. */
const groupBy = <T>(items: readonly T[], key: (item: T) => string, value: (item: T) => string): Map<string, string[]> => {
  const groups = new Map<string, string[]>();
  for (const item of items) {
    const list = groups.get(key(item));
    if (list === undefined) groups.set(key(item), [value(item)]);
    else list.push(value(item));
  }
  return groups;
};

export type OffboardingCredential = {
  id: string; name: string; kind: string; classId: string | null; status: string; workloads: string[];
  /** Issued by the built-in CA, which revokes it; others are revoked where they live (by hand, or their connector). */
  issuedByCa: boolean;
};

/** Statuses a revocation can still be waiting in. */
const endedStatuses = ['verified', 'rejected', 'cancelled'];

export type StoredOffboarding = {
  id: string; subject: string; at: string; by: string; reason: string; plan: unknown;
  reinstatement: { at: string; by: string; reason: string } | null;
};

const toStoredOffboarding = (row: OffboardingTable): StoredOffboarding => ({
  id: row.id, subject: row.subject, at: row.at, by: row.by, reason: row.reason, plan: JSON.parse(row.plan) as unknown,
  reinstatement: row.reinstated_at === null ? null : { at: row.reinstated_at, by: row.reinstated_by ?? '', reason: row.reinstated_reason ?? '' },
});

export const createMonitorStore = (trx: Transaction<DatabaseSchema> | Kysely<DatabaseSchema>) => ({
  /** Up to `limit` credentials after `afterId` in id order, with their consuming workloads. */
  async credentialPage(afterId: string | null, limit: number): Promise<MonitoredCredential[]> {
    let query = trx.selectFrom('credentials').select(monitoredColumns);
    if (afterId !== null) query = query.where('id', '>', afterId);
    const rows = await query.orderBy('id').limit(limit).execute();
    if (rows.length === 0) return [];
    const links = await trx.selectFrom('credential_workloads').select(['credential_id', 'workload_id'])
      .where('credential_id', '>=', rows[0]!.id).where('credential_id', '<=', rows.at(-1)!.id).execute();
    const workloads = groupBy(links, (link) => link.credential_id, (link) => link.workload_id);
    return rows.map((row) => ({
      id: row.id, name: row.name, kind: row.kind, classId: row.class_id, status: row.status, notBefore: row.not_before, notAfter: row.not_after,
      lastRotatedAt: row.last_rotated_at, createdAt: row.created_at, keyAlgorithm: row.key_algorithm, keySize: row.key_size === null ? null : Number(row.key_size),
      signatureAlgorithm: row.signature_algorithm, managedStorage: row.managed_storage === null ? null : Number(row.managed_storage) === 1,
      storageLocation: row.storage_location, exposedTo: JSON.parse(row.exposed_to) as string[], workloads: workloads.get(row.id) ?? [],
    }));
  },

  /** Changes with an SLA deadline that have not ended: revocations that may breach it. */
  async pendingDeadlines(): Promise<MonitoredChange[]> {
    const rows = await trx.selectFrom('changes').select(['id', 'class_id', 'action', 'status', 'trigger', 'due_at', 'requested_at'])
      .where('due_at', 'is not', null).where('status', 'not in', endedStatuses).execute();
    if (rows.length === 0) return [];
    const links: { change_id: string; credential_id: string }[] = [];
    const done = new Set<string>();
    for (let start = 0; start < rows.length; start += 1000) {
      const part = await trx.selectFrom('change_credentials').select(['change_id', 'credential_id'])
        .where('change_id', 'in', rows.slice(start, start + 1000).map((row) => row.id)).orderBy('position').execute();
      links.push(...part);
      for (let from = 0; from < part.length; from += 1000) {
        const revoked = await trx.selectFrom('credentials').select('id').where('id', 'in', part.slice(from, from + 1000).map((link) => link.credential_id))
          .where('status', 'in', ['revoked', 'retired']).execute();
        for (const credential of revoked) done.add(credential.id);
      }
    }
    // A revocation that ended without verification (failed, expired) waits no longer once another change
    // revoked all its credentials; one still under way waits for its own verification.
    const underWay = new Set(['requested', 'approved', 'executing', 'executed']);
    const credentialsOf = groupBy(links, (link) => link.change_id, (link) => link.credential_id);
    const waiting = rows.filter((row) => {
      const mine = credentialsOf.get(row.id) ?? [];
      return underWay.has(row.status) || mine.length === 0 || !mine.every((credential) => done.has(credential));
    });
    return waiting.map((row) => ({
      id: row.id, classId: row.class_id, action: row.action, status: row.status, trigger: row.trigger, dueAt: row.due_at, requestedAt: row.requested_at,
      credentialIds: credentialsOf.get(row.id) ?? [],
    }));
  },

  async openReviews(): Promise<MonitoredReview[]> {
    const rows = await trx.selectFrom('reviews').select(['id', 'change_id', 'class_id', 'accountable', 'due_at', 'status']).where('status', '=', 'open').execute();
    return rows.map((row) => ({ id: row.id, changeId: row.change_id, classId: row.class_id, accountable: row.accountable, dueAt: row.due_at, status: row.status }));
  },

  /** Live credentials (pending, active, or expired but not retired) among `ids`, with their workloads. */
  async liveCredentials(ids: readonly string[]): Promise<OffboardingCredential[]> {
    const found: OffboardingCredential[] = [];
    for (let start = 0; start < ids.length; start += 1000) {
      const part = ids.slice(start, start + 1000);
      const rows = await trx.selectFrom('credentials').select(['id', 'name', 'kind', 'class_id', 'status']).where('id', 'in', part).where('status', 'in', ['pending', 'active', 'expired']).execute();
      const links = rows.length === 0 ? [] : await trx.selectFrom('credential_workloads').select(['credential_id', 'workload_id']).where('credential_id', 'in', rows.map((row) => row.id)).execute();
      const issued = rows.length === 0 ? new Set<string>()
        : new Set((await trx.selectFrom('issued_certificates').select('credential_id').where('credential_id', 'in', rows.map((row) => row.id)).execute()).map((row) => row.credential_id));
      const workloadsOf = groupBy(links, (link) => link.credential_id, (link) => link.workload_id);
      for (const row of rows) {
        found.push({
          id: row.id, name: row.name, kind: row.kind, classId: row.class_id, status: row.status, issuedByCa: issued.has(row.id),
          workloads: (workloadsOf.get(row.id) ?? []).sort(),
        });
      }
    }
    return found.sort((a, b) => a.id.localeCompare(b.id));
  },

  /** Credentials whose exposure list names `party` (org:ID). Ids are plain identifiers, so the quoted party matches one JSON element. */
  async exposedTo(party: string): Promise<string[]> {
    // The pattern only narrows (escaped, so an id's "_" matches itself); the parsed list decides.
    const rows = await trx.selectFrom('credentials').select(['id', 'exposed_to'])
      .where(sql<boolean>`${sql.ref('exposed_to')} like ${`%${likeLiteral(JSON.stringify(party))}%`} escape '\\'`).execute();
    return rows.filter((row) => (JSON.parse(row.exposed_to) as string[]).includes(party)).map((row) => row.id);
  },

  /** Credentials changed by changes these principals executed, the credentials those changes made, and their successors. */
  async changedBy(executors: readonly string[]): Promise<string[]> {
    if (executors.length === 0) return [];
    const touched = await trx.selectFrom('change_credentials').innerJoin('changes', 'changes.id', 'change_credentials.change_id')
      .select('change_credentials.credential_id').where('changes.executor', 'in', [...executors]).where('changes.status', 'in', ['executed', 'verified', 'verification_failed']).execute();
    // What those changes made: certificates the CA issued and secret versions the store sealed under them.
    const theirChanges = trx.selectFrom('changes').select('id').where('executor', 'in', [...executors]);
    const issued = await trx.selectFrom('issued_certificates').select('credential_id').where('change_id', 'in', theirChanges).execute();
    const sealed = await trx.selectFrom('secret_versions').select('credential_id').where('change_id', 'in', theirChanges).execute();
    const ids = [...new Set([...touched, ...issued, ...sealed].map((row) => row.credential_id))];
    const made: string[] = [];
    for (let start = 0; start < ids.length; start += 1000) {
      const rows = await trx.selectFrom('credentials').select('id').where('supersedes', 'in', ids.slice(start, start + 1000)).execute();
      made.push(...rows.map((row) => row.id));
    }
    return [...new Set([...ids, ...made])];
  },

  async consumedBy(workload: string): Promise<string[]> {
    const rows = await trx.selectFrom('credential_workloads').select('credential_id').where('workload_id', '=', workload).execute();
    return rows.map((row) => row.credential_id);
  },

  async insertOffboarding(offboarding: { id: string; subject: string; at: string; by: string; reason: string; plan: unknown }): Promise<void> {
    const { id, subject, at, by, reason, plan } = offboarding;
    await trx.insertInto('offboardings').values({ id, subject, at, by, reason, plan: JSON.stringify(plan) }).execute();
  },

  /** Offboardings, newest first, a page at a time. */
  async offboardings(page: { limit: number; offset: number }): Promise<StoredOffboarding[]> {
    const rows = await trx.selectFrom('offboardings').selectAll().orderBy('at', 'desc').orderBy('id', 'desc').limit(page.limit).offset(page.offset).execute();
    return rows.map(toStoredOffboarding);
  },

  /** An offboarding by its id, or a subject's newest (person:ivan): the one in force, or the last reinstated. */
  async offboardingOf(idOrSubject: string): Promise<StoredOffboarding | null> {
    const row = await trx.selectFrom('offboardings').selectAll().where((eb) => eb.or([eb('subject', '=', idOrSubject), eb('id', '=', idOrSubject)]))
      .orderBy(sql`case when reinstated_at is null then 0 else 1 end`).orderBy('at', 'desc').orderBy('id', 'desc').executeTakeFirst();
    return row === undefined ? null : toStoredOffboarding(row);
  },

  /** Marks an offboarding reinstated; false when it already was (someone else, at the same moment). */
  async reinstateOffboarding(id: string, reinstatement: { at: string; by: string; reason: string }): Promise<boolean> {
    const result = await trx.updateTable('offboardings').set({ reinstated_at: reinstatement.at, reinstated_by: reinstatement.by, reinstated_reason: reinstatement.reason })
      .where('id', '=', id).where('reinstated_at', 'is', null).executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  },

  /** Active certificates of a class that expire by `before`, issued by the built-in CA, with no change in progress. */
  async renewable(classId: string, now: string, before: string, limit: number, failedSince: { requester: string; since: string }): Promise<{ id: string; name: string; notAfter: string }[]> {
    const rows = await trx.selectFrom('credentials')
      .innerJoin('issued_certificates', 'issued_certificates.credential_id', 'credentials.id')
      .select(['credentials.id', 'credentials.name', 'credentials.not_after'])
      .where('credentials.class_id', '=', classId).where('credentials.status', '=', 'active')
      .where('credentials.expiry_order', '>=', now).where('credentials.expiry_order', '<=', before)
      .where('issued_certificates.revoked_at', 'is', null)
      .where((eb) => eb.not(eb.exists(eb.selectFrom('change_credentials').innerJoin('changes', 'changes.id', 'change_credentials.change_id')
        .select('change_credentials.change_id').whereRef('change_credentials.credential_id', '=', 'credentials.id')
        .where('changes.status', 'in', ['requested', 'approved', 'executing', 'executed']))))
      // An automatic renewal that failed lately is not tried again yet, and does not take a place in the limit.
      .where((eb) => eb.not(eb.exists(eb.selectFrom('change_credentials').innerJoin('changes', 'changes.id', 'change_credentials.change_id')
        .select('change_credentials.change_id').whereRef('change_credentials.credential_id', '=', 'credentials.id')
        .where('changes.requester', '=', failedSince.requester).where('changes.action', '=', 'renew')
        .where('changes.status', 'in', ['failed', 'verification_failed']).where('changes.updated_at', '>=', failedSince.since))))
      .orderBy('credentials.expiry_order').limit(limit).execute();
    return rows.map((row) => ({ id: row.id, name: row.name, notAfter: row.not_after as string }));
  },

  /** Automatic renewals that failed since `since`, by the credential they were to renew: what the owners must hear of. */
  async failedRenewals(requester: string, since: string): Promise<Map<string, { changeId: string; status: string; at: string }>> {
    const rows = await trx.selectFrom('changes').innerJoin('change_credentials', 'change_credentials.change_id', 'changes.id')
      .select(['changes.id', 'changes.status', 'changes.updated_at', 'change_credentials.credential_id'])
      .where('changes.requester', '=', requester).where('changes.action', '=', 'renew')
      .where('changes.status', 'in', ['failed', 'verification_failed']).where('changes.updated_at', '>=', since).orderBy('changes.updated_at').execute();
    const failed = new Map(rows.map((row) => [row.credential_id, { changeId: row.id, status: row.status, at: row.updated_at }]));
    // A renewal that executed but failed verification made a successor, which is now the live one: it carries the failure.
    for (let start = 0; start < rows.length; start += 1000) {
      const part = rows.slice(start, start + 1000);
      const successors = await trx.selectFrom('credentials').select(['id', 'supersedes']).where('supersedes', 'in', part.map((row) => row.credential_id)).execute();
      for (const successor of successors) {
        const renewal = failed.get(successor.supersedes as string);
        if (renewal !== undefined) failed.set(successor.id, renewal);
      }
    }
    return failed;
  },

  /** Subjects offboarded and not reinstated. */
  async offboarded(): Promise<Set<string>> {
    const rows = await trx.selectFrom('offboardings').select('subject').where('reinstated_at', 'is', null).execute();
    return new Set(rows.map((row) => row.subject));
  },
});

export type MonitorStore = ReturnType<typeof createMonitorStore>;
