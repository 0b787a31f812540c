// Posture (issue 6) reads the places where live secrets outside a managed store are kept: without an
// index it walks every secret of those kinds and fetches each row (about a second at a million
// credentials on SQLite). A partial index holds only the unmanaged ones, so the rest of the inventory
// pays nothing for it on import. The posture store states the same condition, word for word, so that
// SQLite's planner, which matches a partial index's WHERE term by term, can use it.
import { sql } from 'kysely';
import type { Kysely } from 'kysely';

/** The condition of credentials_unmanaged_idx, for the queries that mean to use it. */
export const unmanagedStorageCondition = 'managed_storage is null or managed_storage = 0';

export const postureIndexesMigration = () => ({
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.createIndex('credentials_unmanaged_idx').on('credentials').columns(['kind', 'status', 'expiry_order', 'storage_location'])
      .where(sql<boolean>`${sql.raw(unmanagedStorageCondition)}`).execute();
    // The planner weighs the new index by its statistics, as an import keeps them (credential-store.ts).
    await sql`analyze credentials`.execute(db);
  },
});
