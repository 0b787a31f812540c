// The built-in CA and the secret store: signing keys (sealed, or references into a PKCS#11 token), the
// certificate authorities with their OCSP responders, every certificate they issued (the revocation
// list is drawn from it), the latest CRL per CA, secret versions (sealed values), and each change's
// specification (what an issue asks for: a CSR, names, a workload).
import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import type { DatabaseCapabilities } from '../capabilities.ts';

export const pkiMigration = (_capabilities: DatabaseCapabilities) => ({
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('changes').addColumn('spec', 'text', (c) => c.notNull().defaultTo('{}')).execute();

    await db.schema.createTable('signing_keys')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('purpose', 'text', (c) => c.notNull())
      .addColumn('backend', 'text', (c) => c.notNull())
      .addColumn('algorithm', 'text', (c) => c.notNull())
      /** JSON StoredKey: a sealed private key, or where it lives in a PKCS#11 token; never clear key bytes. */
      .addColumn('stored', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();

    await db.schema.createTable('certificate_authorities')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('source_id', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('parent_id', 'text')
      .addColumn('key_id', 'text', (c) => c.notNull())
      .addColumn('certificate', 'text', (c) => c.notNull())
      .addColumn('serial', 'text', (c) => c.notNull())
      .addColumn('not_after', 'text', (c) => c.notNull())
      .addColumn('ocsp_certificate', 'text')
      .addColumn('ocsp_key_id', 'text')
      .addColumn('crl_number', 'integer', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('certificate_authorities_source_idx').on('certificate_authorities').columns(['source_id']).execute();

    await db.schema.createTable('issued_certificates')
      .addColumn('ca_id', 'text', (c) => c.notNull())
      .addColumn('serial', 'text', (c) => c.notNull())
      .addColumn('credential_id', 'text', (c) => c.notNull())
      .addColumn('change_id', 'text')
      .addColumn('issued_at', 'text', (c) => c.notNull())
      .addColumn('not_after', 'text', (c) => c.notNull())
      /** PEM: renewal reuses its key and names; probes check its chain. */
      .addColumn('certificate', 'text', (c) => c.notNull())
      .addColumn('revoked_at', 'text')
      .addColumn('revocation_reason', 'text')
      .addPrimaryKeyConstraint('issued_certificates_pk', ['ca_id', 'serial'])
      .execute();
    await db.schema.createIndex('issued_certificates_credential_idx').on('issued_certificates').columns(['credential_id']).execute();
    // What a CRL lists, in serial order, without touching the rows (which carry the certificate's PEM).
    await db.schema.createIndex('issued_certificates_revoked_idx').on('issued_certificates')
      .columns(['ca_id', 'serial', 'revoked_at', 'revocation_reason', 'not_after']).where(sql.ref('revoked_at'), 'is not', null).execute();

    await db.schema.createTable('crls')
      .addColumn('ca_id', 'text', (c) => c.primaryKey())
      .addColumn('crl_number', 'integer', (c) => c.notNull())
      .addColumn('this_update', 'text', (c) => c.notNull())
      .addColumn('next_update', 'text', (c) => c.notNull())
      .addColumn('revoked_count', 'integer', (c) => c.notNull())
      /** Base64 of the DER CertificateList: one portable column type for both databases. */
      .addColumn('der', 'text', (c) => c.notNull())
      .execute();

    await db.schema.createTable('secret_versions')
      .addColumn('credential_id', 'text', (c) => c.notNull())
      .addColumn('version', 'integer', (c) => c.notNull())
      /** JSON SealedValue; null once destroyed. */
      .addColumn('sealed', 'text')
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'text')
      .addColumn('change_id', 'text')
      /** Who may reveal it, once: the requester or executor of the change that made it. */
      .addColumn('reveal_to', 'text')
      .addColumn('revealed_at', 'text')
      .addColumn('revealed_by', 'text')
      .addColumn('destroyed_at', 'text')
      .addPrimaryKeyConstraint('secret_versions_pk', ['credential_id', 'version'])
      .execute();
    await db.schema.createIndex('secret_versions_status_idx').on('secret_versions').columns(['status', 'expires_at']).execute();
  },
});
