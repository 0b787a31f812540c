// Monitoring (issue 6): alerts, the leases scheduled work is claimed under, when each periodic job last
// ran, offboardings, and daily posture snapshots.
//
// An alert is unique per (type, target) while it is not resolved: `open_key` holds "type target" until the
// alert resolves and null after, and a unique index on it (nulls are distinct on SQLite and PostgreSQL)
// keeps two sweeps from opening the same alert twice. A resolved alert stays as history. An alert not
// resolved is, by that fact, still found by every sweep; updated_at says when its finding last changed.
import type { Kysely } from 'kysely';
import type { DatabaseCapabilities } from '../capabilities.ts';

export const monitoringMigration = (_capabilities: DatabaseCapabilities) => ({
  async up(db: Kysely<unknown>): Promise<void> {
    // A change the system principal files on someone's order (an offboarding's revocations) names who
    // ordered it: separation of duties keeps them from approving it.
    await db.schema.alterTable('changes').addColumn('ordered_by', 'text').execute();

    await db.schema.createTable('alerts')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('type', 'text', (c) => c.notNull())
      /** What the alert is about: credential:ID, change:ID, review:ID, or principal:KIND:ID@class:ID for denials. */
      .addColumn('target', 'text', (c) => c.notNull())
      .addColumn('class_id', 'text')
      .addColumn('open_key', 'text')
      .addColumn('severity', 'text', (c) => c.notNull())
      /** The window the finding is in (a lead time such as "7d", or "overdue"): a new stage notifies again. */
      .addColumn('stage', 'text', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('summary', 'text', (c) => c.notNull())
      .addColumn('details', 'text', (c) => c.notNull())
      /** JSON person ids the alert was routed to; the business owner joins them on escalation. */
      .addColumn('recipients', 'text', (c) => c.notNull())
      .addColumn('escalate_to', 'text', (c) => c.notNull())
      .addColumn('opened_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addColumn('acknowledged_by', 'text')
      .addColumn('acknowledged_at', 'text')
      .addColumn('note', 'text')
      .addColumn('escalated_at', 'text')
      .addColumn('resolved_at', 'text')
      .addColumn('resolved_by', 'text')
      .execute();
    await db.schema.createIndex('alerts_open_key_idx').on('alerts').columns(['open_key']).unique().execute();
    await db.schema.createIndex('alerts_state_idx').on('alerts').columns(['state', 'opened_at']).execute();
    await db.schema.createIndex('alerts_target_idx').on('alerts').columns(['target']).execute();

    await db.schema.createTable('scheduler_leases')
      .addColumn('name', 'text', (c) => c.primaryKey())
      .addColumn('holder', 'text', (c) => c.notNull())
      .addColumn('acquired_at', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'text', (c) => c.notNull())
      .execute();

    await db.schema.createTable('job_runs')
      .addColumn('name', 'text', (c) => c.primaryKey())
      .addColumn('last_run_at', 'text', (c) => c.notNull())
      .addColumn('last_node', 'text', (c) => c.notNull())
      .execute();

    await db.schema.createTable('offboardings')
      .addColumn('id', 'text', (c) => c.primaryKey())
      /** person:ID, partner:ID or workload:ID; each is offboarded once. */
      .addColumn('subject', 'text', (c) => c.notNull().unique())
      .addColumn('at', 'text', (c) => c.notNull())
      .addColumn('by', 'text', (c) => c.notNull())
      .addColumn('reason', 'text', (c) => c.notNull())
      /** JSON: what the offboarding did (delegations revoked, tokens revoked, changes opened, tasks). */
      .addColumn('plan', 'text', (c) => c.notNull())
      .execute();

    await db.schema.createTable('posture_snapshots')
      .addColumn('day', 'text', (c) => c.primaryKey())
      .addColumn('at', 'text', (c) => c.notNull())
      .addColumn('metrics', 'text', (c) => c.notNull())
      .execute();
  },
});
