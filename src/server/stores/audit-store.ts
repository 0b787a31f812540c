// Appends audit events in the caller's transaction: if the append fails, so does the change.
import type { Transaction } from 'kysely';
import type { DatabaseSchema } from '../db/schema.ts';

export type AuditEvent = {
  at: Date;
  actor: string;
  action: string;
  target: string;
  requestId?: string;
  governanceVersion?: number;
  /** What changed. Never secret values: callers pass identifiers, counts and hashes only. */
  details: Record<string, unknown>;
};

export type AuditEventRow = AuditEvent & { seq: number };

export const createAuditStore = (trx: Transaction<DatabaseSchema>) => ({
  async append(event: AuditEvent): Promise<void> {
    await trx.insertInto('audit_events').values({
      at: event.at.toISOString(),
      actor: event.actor,
      action: event.action,
      target: event.target,
      request_id: event.requestId ?? null,
      governance_version: event.governanceVersion ?? null,
      details: JSON.stringify(event.details),
    }).execute();
  },

  async list(options: { target?: string; limit: number }): Promise<AuditEventRow[]> {
    let query = trx.selectFrom('audit_events').selectAll();
    if (options.target !== undefined) query = query.where('target', '=', options.target);
    const rows = await query.orderBy('seq', 'desc').limit(options.limit).execute();
    return rows.map((row) => ({
      seq: Number(row.seq),
      at: new Date(row.at),
      actor: row.actor,
      action: row.action,
      target: row.target,
      ...(row.request_id === null ? {} : { requestId: row.request_id }),
      ...(row.governance_version === null ? {} : { governanceVersion: Number(row.governance_version) }),
      details: JSON.parse(row.details) as Record<string, unknown>,
    }));
  },
});

export type AuditStore = ReturnType<typeof createAuditStore>;
