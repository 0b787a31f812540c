import type { Kysely } from 'kysely';
import type { DatabaseCapabilities } from '../capabilities.ts';

export const initialMigration = (capabilities: DatabaseCapabilities) => ({
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.createTable('governance_versions')
      .addColumn('version', 'integer', (c) => c.primaryKey())
      .addColumn('applied_at', 'text', (c) => c.notNull())
      .addColumn('applied_by', 'text', (c) => c.notNull())
      .addColumn('document_sha256', 'text', (c) => c.notNull())
      .addColumn('summary', 'text', (c) => c.notNull())
      .execute();

    await db.schema.createTable('governance_entities')
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('id', 'text', (c) => c.notNull())
      .addColumn('spec', 'text', (c) => c.notNull())
      .addColumn('position', 'integer', (c) => c.notNull())
      .addColumn('version', 'integer', (c) => c.notNull())
      .addPrimaryKeyConstraint('governance_entities_pk', ['kind', 'id'])
      .execute();

    await db.schema.createTable('credentials')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('fingerprint', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('class_id', 'text')
      .addColumn('source_id', 'text')
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('subject', 'text')
      .addColumn('issuer', 'text')
      .addColumn('serial', 'text')
      .addColumn('sans', 'text', (c) => c.notNull())
      .addColumn('not_before', 'text')
      .addColumn('not_after', 'text')
      .addColumn('expiry_order', 'text', (c) => c.notNull())
      .addColumn('key_algorithm', 'text')
      .addColumn('key_size', 'integer')
      .addColumn('is_ca', 'integer', (c) => c.notNull())
      .addColumn('signature_algorithm', 'text')
      .addColumn('external_id', 'text')
      .addColumn('storage_location', 'text')
      .addColumn('managed_storage', 'integer')
      .addColumn('exposed_to', 'text', (c) => c.notNull())
      .addColumn('last_rotated_at', 'text')
      .addColumn('supersedes', 'text')
      .addColumn('superseded_by', 'text')
      .addColumn('search_text', 'text', (c) => c.notNull())
      .addColumn('imported_from', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
    // Each index serves one listing filter and ends with the default sort key, so that a filtered page
    // reads in order and stops after one page. `expiry_order` is not_after with "never expires" as the
    // greatest value: the two databases order NULL differently, this column never. Every index costs
    // import speed (docs/benchmarks.md), so filters that are rare (source, text) have none.
    // status rides along in the class index so that a class page filtered by status, its count, and the
    // counts by class and status are answered from the index without reading the rows.
    await db.schema.createIndex('credentials_class_idx').on('credentials').columns(['class_id', 'expiry_order', 'status']).execute();
    await db.schema.createIndex('credentials_status_idx').on('credentials').columns(['status', 'expiry_order']).execute();
    await db.schema.createIndex('credentials_kind_idx').on('credentials').columns(['kind', 'expiry_order']).execute();
    await db.schema.createIndex('credentials_expiry_idx').on('credentials').columns(['expiry_order']).execute();

    await db.schema.createTable('credential_workloads')
      .addColumn('credential_id', 'text', (c) => c.notNull().references('credentials.id').onDelete('cascade'))
      .addColumn('workload_id', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('credential_workloads_pk', ['credential_id', 'workload_id'])
      .execute();
    await db.schema.createIndex('credential_workloads_workload_idx').on('credential_workloads').columns(['workload_id', 'credential_id']).execute();

    await db.schema.createTable('api_tokens')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('principal', 'text', (c) => c.notNull())
      .addColumn('role', 'text', (c) => c.notNull())
      .addColumn('token_hash', 'text', (c) => c.notNull().unique())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('created_by', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'text', (c) => c.notNull())
      .addColumn('revoked_at', 'text')
      .addColumn('last_used_at', 'text')
      .execute();

    await db.schema.createTable('audit_events')
      .addColumn('seq', 'integer', (c) => capabilities.autoIncrementPrimaryKey(c))
      .addColumn('at', 'text', (c) => c.notNull())
      .addColumn('actor', 'text', (c) => c.notNull())
      .addColumn('action', 'text', (c) => c.notNull())
      .addColumn('target', 'text', (c) => c.notNull())
      .addColumn('request_id', 'text')
      .addColumn('governance_version', 'integer')
      .addColumn('details', 'text', (c) => c.notNull())
      .execute();
  },
});
