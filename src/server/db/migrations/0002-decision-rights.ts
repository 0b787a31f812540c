// Decision rights: changes with their credentials and their history of steps, emergency reviews,
// denied attempts, revoked delegations, and the transactional outbox. Tokens carry a scope instead of
// the interim roles: `full` (what governance grants the principal) or `read-only`.
import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import type { DatabaseCapabilities } from '../capabilities.ts';

export const decisionRightsMigration = (capabilities: DatabaseCapabilities) => ({
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('api_tokens').renameColumn('role', 'scope').execute();
    await sql`update api_tokens set scope = case when scope = 'admin' then 'full' else 'read-only' end`.execute(db);

    await db.schema.createTable('changes')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('class_id', 'text', (c) => c.notNull())
      .addColumn('action', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('requester', 'text', (c) => c.notNull())
      .addColumn('reason', 'text', (c) => c.notNull())
      .addColumn('ticket', 'text')
      .addColumn('trigger', 'text')
      .addColumn('due_at', 'text')
      .addColumn('requested_at', 'text', (c) => c.notNull())
      .addColumn('stale_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addColumn('governance_version', 'integer', (c) => c.notNull())
      .addColumn('approvals_needed', 'integer', (c) => c.notNull())
      .addColumn('pre_approved_by', 'text')
      .addColumn('executor', 'text')
      .addColumn('executed_at', 'text')
      .addColumn('verifier', 'text')
      .addColumn('verified_at', 'text')
      .addColumn('playbook_id', 'text')
      .addColumn('connector', 'text')
      .addColumn('revision', 'integer', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('changes_status_idx').on('changes').columns(['status', 'requested_at']).execute();
    await db.schema.createIndex('changes_class_idx').on('changes').columns(['class_id', 'requested_at']).execute();

    await db.schema.createTable('change_credentials')
      .addColumn('change_id', 'text', (c) => c.notNull().references('changes.id').onDelete('cascade'))
      .addColumn('credential_id', 'text', (c) => c.notNull())
      .addColumn('position', 'integer', (c) => c.notNull())
      .addPrimaryKeyConstraint('change_credentials_pk', ['change_id', 'credential_id'])
      .execute();
    await db.schema.createIndex('change_credentials_credential_idx').on('change_credentials').columns(['credential_id']).execute();

    await db.schema.createTable('change_events')
      .addColumn('change_id', 'text', (c) => c.notNull().references('changes.id').onDelete('cascade'))
      .addColumn('seq', 'integer', (c) => c.notNull())
      .addColumn('at', 'text', (c) => c.notNull())
      .addColumn('actor', 'text', (c) => c.notNull())
      .addColumn('step', 'text', (c) => c.notNull())
      .addColumn('governance_version', 'integer', (c) => c.notNull())
      .addColumn('policies', 'text', (c) => c.notNull())
      .addColumn('details', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('change_events_pk', ['change_id', 'seq'])
      .execute();

    await db.schema.createTable('reviews')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('change_id', 'text', (c) => c.notNull().references('changes.id'))
      .addColumn('playbook_id', 'text', (c) => c.notNull())
      .addColumn('class_id', 'text', (c) => c.notNull())
      .addColumn('accountable', 'text', (c) => c.notNull())
      .addColumn('executor', 'text', (c) => c.notNull())
      .addColumn('opened_at', 'text', (c) => c.notNull())
      .addColumn('due_at', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('completed_by', 'text')
      .addColumn('completed_at', 'text')
      .addColumn('note', 'text')
      .execute();
    await db.schema.createIndex('reviews_status_idx').on('reviews').columns(['status', 'due_at']).execute();

    await db.schema.createTable('denied_attempts')
      .addColumn('seq', 'integer', (c) => capabilities.autoIncrementPrimaryKey(c))
      .addColumn('at', 'text', (c) => c.notNull())
      .addColumn('principal', 'text', (c) => c.notNull())
      .addColumn('action', 'text', (c) => c.notNull())
      .addColumn('resource', 'text', (c) => c.notNull())
      .addColumn('class_id', 'text')
      .addColumn('code', 'text', (c) => c.notNull())
      .addColumn('reason', 'text', (c) => c.notNull())
      .addColumn('governance_version', 'integer')
      .addColumn('request_id', 'text')
      .execute();
    await db.schema.createIndex('denied_attempts_at_idx').on('denied_attempts').columns(['at']).execute();

    await db.schema.createTable('delegation_revocations')
      .addColumn('delegation_id', 'text', (c) => c.primaryKey())
      .addColumn('revoked_at', 'text', (c) => c.notNull())
      .addColumn('revoked_by', 'text', (c) => c.notNull())
      .addColumn('reason', 'text', (c) => c.notNull())
      .execute();

    await db.schema.createTable('outbox')
      .addColumn('seq', 'integer', (c) => capabilities.autoIncrementPrimaryKey(c))
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('topic', 'text', (c) => c.notNull())
      .addColumn('payload', 'text', (c) => c.notNull())
      .addColumn('delivered_at', 'text')
      .execute();
    await db.schema.createIndex('outbox_pending_idx').on('outbox').columns(['delivered_at', 'seq']).execute();
  },
});
