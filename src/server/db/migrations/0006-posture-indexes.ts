// Posture (issue 6) reads the places where live secrets outside a managed store are kept: without an
// index it walks every secret of those kinds and fetches each row (about a second at a million
// credentials on SQLite). A partial index holds only those secrets, and every column the query reads, so
// certificates and secrets known to be managed cost imports nothing more.
//
// SQLite uses a partial index only when the query's WHERE holds each term of the index's word for word:
// the posture store states the same condition, and a test (posture-store.test.ts) checks that the plan
// uses the index. The condition is written out here, not imported, so that this migration always creates
// the same index.
import { sql } from 'kysely';
import type { Kysely } from 'kysely';

export const postureIndexesMigration = () => ({
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.createIndex('credentials_unmanaged_idx').on('credentials')
      .columns(['kind', 'status', 'expiry_order', 'storage_location', 'managed_storage'])
      .where(sql<boolean>`kind in ('api_key', 'oauth_client_secret', 'token', 'password', 'private_key', 'signing_key', 'ssh_key') and (managed_storage is null or managed_storage = 0)`)
      .execute();
    // The planner weighs the new index by its statistics, as an import keeps them (credential-store.ts).
    await sql`analyze credentials`.execute(db);
  },
});
