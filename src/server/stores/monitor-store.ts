// What a monitoring sweep reads: credentials page by page in id order (each page its own short read, so
// a sweep over a million never holds the database), the revocations and reviews that have deadlines,
// who was offboarded, and the scheduler's leases and job runs.
import type { Kysely, Transaction } from 'kysely';
import type { MonitoredChange, MonitoredCredential, MonitoredReview } from '../../core/monitor/index.ts';
import type { DatabaseSchema } from '../db/schema.ts';

const monitoredColumns = [
  'id', 'name', 'kind', 'class_id', 'status', 'not_before', 'not_after', 'last_rotated_at', 'created_at', 'key_algorithm', 'key_size',
  'signature_algorithm', 'managed_storage', 'storage_location', 'exposed_to',
] as const;

/** Statuses a revocation can still be waiting in. */
const endedStatuses = ['verified', 'rejected', 'cancelled'];

export const createMonitorStore = (trx: Transaction<DatabaseSchema> | Kysely<DatabaseSchema>) => ({
  /** Up to `limit` credentials after `afterId` in id order, with their consuming workloads. */
  async credentialPage(afterId: string | null, limit: number): Promise<MonitoredCredential[]> {
    let query = trx.selectFrom('credentials').select(monitoredColumns);
    if (afterId !== null) query = query.where('id', '>', afterId);
    const rows = await query.orderBy('id').limit(limit).execute();
    if (rows.length === 0) return [];
    const links = await trx.selectFrom('credential_workloads').select(['credential_id', 'workload_id'])
      .where('credential_id', '>=', rows[0]!.id).where('credential_id', '<=', rows.at(-1)!.id).execute();
    const workloads = new Map<string, string[]>();
    for (const link of links) workloads.set(link.credential_id, [...workloads.get(link.credential_id) ?? [], link.workload_id]);
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
    const links = await trx.selectFrom('change_credentials').select(['change_id', 'credential_id'])
      .where('change_id', 'in', rows.map((row) => row.id)).orderBy('position').execute();
    return rows.map((row) => ({
      id: row.id, classId: row.class_id, action: row.action, status: row.status, trigger: row.trigger, dueAt: row.due_at, requestedAt: row.requested_at,
      credentialIds: links.filter((link) => link.change_id === row.id).map((link) => link.credential_id),
    }));
  },

  async openReviews(): Promise<MonitoredReview[]> {
    const rows = await trx.selectFrom('reviews').select(['id', 'change_id', 'class_id', 'accountable', 'due_at', 'status']).where('status', '=', 'open').execute();
    return rows.map((row) => ({ id: row.id, changeId: row.change_id, classId: row.class_id, accountable: row.accountable, dueAt: row.due_at, status: row.status }));
  },

  async offboarded(): Promise<Set<string>> {
    const rows = await trx.selectFrom('offboardings').select('subject').execute();
    return new Set(rows.map((row) => row.subject));
  },
});

export type MonitorStore = ReturnType<typeof createMonitorStore>;
