// Which CRL first named each revoked certificate, so that a revocation is shown as published only when a
// CRL Trustplane published names its serial (core/changes/revocation-publication.ts): each CRL's audit
// entry lists the serials it was the first to name. Certificates revoked before this migration are marked
// 0: some earlier CRL named them, but no audit entry says which, so no evidence pack claims one did.
import { sql } from 'kysely';
import type { Kysely } from 'kysely';

export const crlListingMigration = () => ({
  up: async (db: Kysely<unknown>): Promise<void> => {
    await db.schema.alterTable('issued_certificates').addColumn('listed_in_crl', 'integer').execute();
    await sql`update issued_certificates set listed_in_crl = 0 where revoked_at is not null`.execute(db);
  },
});
