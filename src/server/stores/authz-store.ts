// What authorization remembers besides governance: delegations revoked at once (without an apply), and
// every denied attempt, kept for the monitoring work to alert on (`denied_attempt`).
import type { Transaction } from 'kysely';
import type { DelegationRevocation } from '../../core/authz/authz-model.ts';
import type { DatabaseSchema } from '../db/schema.ts';

export type DeniedAttempt = {
  at: string;
  principal: string;
  action: string;
  resource: string;
  classId: string | null;
  code: string;
  reason: string;
  governanceVersion: number | null;
  requestId: string | null;
};

export type DeniedAttemptRow = DeniedAttempt & { seq: number };

export const createAuthzStore = (trx: Transaction<DatabaseSchema>) => ({
  async revocations(): Promise<Map<string, DelegationRevocation>> {
    const rows = await trx.selectFrom('delegation_revocations').selectAll().execute();
    return new Map(rows.map((row) => [row.delegation_id, { delegationId: row.delegation_id, revokedAt: row.revoked_at, revokedBy: row.revoked_by, reason: row.reason }]));
  },

  async revokeDelegation(revocation: DelegationRevocation): Promise<void> {
    await trx.insertInto('delegation_revocations').values({
      delegation_id: revocation.delegationId, revoked_at: revocation.revokedAt, revoked_by: revocation.revokedBy, reason: revocation.reason,
    }).execute();
  },

  async recordDenial(attempt: DeniedAttempt): Promise<void> {
    await trx.insertInto('denied_attempts').values({
      at: attempt.at, principal: attempt.principal, action: attempt.action, resource: attempt.resource, class_id: attempt.classId,
      code: attempt.code, reason: attempt.reason, governance_version: attempt.governanceVersion, request_id: attempt.requestId,
    }).execute();
  },

  async deniedAttempts(options: { since?: string; principal?: string; limit: number }): Promise<DeniedAttemptRow[]> {
    let query = trx.selectFrom('denied_attempts').selectAll();
    if (options.since !== undefined) query = query.where('at', '>=', options.since);
    if (options.principal !== undefined) query = query.where('principal', '=', options.principal);
    const rows = await query.orderBy('seq', 'desc').limit(options.limit).execute();
    return rows.map((row) => ({
      seq: Number(row.seq), at: row.at, principal: row.principal, action: row.action, resource: row.resource, classId: row.class_id,
      code: row.code, reason: row.reason, governanceVersion: row.governance_version === null ? null : Number(row.governance_version), requestId: row.request_id,
    }));
  },
});

export type AuthzStore = ReturnType<typeof createAuthzStore>;
