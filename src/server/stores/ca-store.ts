// Certificate authorities, their signing keys, the certificates they issued and their latest CRLs.
// Revocation is a column of the issued certificate, so the CRL and OCSP are drawn from one record.
import type { Kysely } from 'kysely';
import type { DatabaseSchema } from '../db/schema.ts';

export type CertificateAuthority = {
  id: string;
  sourceId: string;
  name: string;
  parentId: string | null;
  keyId: string;
  certificatePem: string;
  serial: string;
  notAfter: string;
  ocspCertificatePem: string | null;
  ocspKeyId: string | null;
  crlNumber: number;
  createdAt: string;
};

export type SigningKeyRecord = { id: string; purpose: string; backend: string; algorithm: string; stored: string; createdAt: string };

export type IssuedCertificate = {
  caId: string;
  serial: string;
  credentialId: string;
  changeId: string | null;
  issuedAt: string;
  notAfter: string;
  certificatePem: string;
  revokedAt: string | null;
  revocationReason: string | null;
};

/** listed: some CRL was recorded to name it already (issued_certificates.listed_in_crl). */
export type RevokedEntry = { serial: string; revokedAt: string; reason: string | null; listed: boolean };

/** What describes a CA's latest CRL; its DER is kept in parts (crl_parts) under its number. */
export type CrlInfo = { caId: string; crlNumber: number; thisUpdate: string; nextUpdate: string; revokedCount: number; bytes: number };
export type StoredCrl = CrlInfo & { der: Buffer };

/**
 * The most DER octets one stored part of a CRL holds. Each part is written in a transaction of its own,
 * and on SQLite, where statements run on the event loop, a part holds the server up for milliseconds
 * where a whole CRL over a million entries (46 MB) held it for most of a second.
 */
export const crlPartBytes = 2 * 1024 * 1024;

/** `der` cut into parts of at most crlPartBytes, in order: views, not copies. */
export const crlPartsOf = (der: Uint8Array): Uint8Array[] => {
  const parts: Uint8Array[] = [];
  for (let start = 0; start < der.length; start += crlPartBytes) parts.push(der.subarray(start, Math.min(der.length, start + crlPartBytes)));
  return parts;
};

const toCrlInfo = (row: DatabaseSchema['crls']): CrlInfo => ({
  caId: row.ca_id, crlNumber: Number(row.crl_number), thisUpdate: row.this_update, nextUpdate: row.next_update, revokedCount: Number(row.revoked_count), bytes: Number(row.bytes),
});

type CaRow = DatabaseSchema['certificate_authorities'];
type IssuedRow = DatabaseSchema['issued_certificates'];

const toAuthority = (row: CaRow): CertificateAuthority => ({
  id: row.id, sourceId: row.source_id, name: row.name, parentId: row.parent_id, keyId: row.key_id, certificatePem: row.certificate, serial: row.serial,
  notAfter: row.not_after, ocspCertificatePem: row.ocsp_certificate, ocspKeyId: row.ocsp_key_id, crlNumber: Number(row.crl_number), createdAt: row.created_at,
});

const toIssued = (row: IssuedRow): IssuedCertificate => ({
  caId: row.ca_id, serial: row.serial, credentialId: row.credential_id, changeId: row.change_id, issuedAt: row.issued_at, notAfter: row.not_after,
  certificatePem: row.certificate, revokedAt: row.revoked_at, revocationReason: row.revocation_reason,
});

/** Reached through a unit of work's transaction, or, for single reads that need none, through `readIssued`. */
/** What OCSP needs of an issued certificate. */
export type IssuedStatus = { revokedAt: string | null; revocationReason: string | null };

/** The sources that have an issuing CA, among authorities already read: an intermediate has a parent. */
export const issuingSourcesOf = (authorities: readonly { sourceId: string; parentId: string | null }[]): Set<string> =>
  new Set(authorities.filter((authority) => authority.parentId !== null).map((authority) => authority.sourceId));

export const createCaStore = (trx: Kysely<DatabaseSchema>) => ({
  async insertKey(key: SigningKeyRecord): Promise<void> {
    await trx.insertInto('signing_keys').values({ id: key.id, purpose: key.purpose, backend: key.backend, algorithm: key.algorithm, stored: key.stored, created_at: key.createdAt }).execute();
  },

  async findKey(id: string): Promise<SigningKeyRecord | null> {
    const row = await trx.selectFrom('signing_keys').selectAll().where('id', '=', id).executeTakeFirst();
    return row === undefined ? null : { id: row.id, purpose: row.purpose, backend: row.backend, algorithm: row.algorithm, stored: row.stored, createdAt: row.created_at };
  },

  async allKeys(): Promise<SigningKeyRecord[]> {
    const rows = await trx.selectFrom('signing_keys').selectAll().orderBy('id').execute();
    return rows.map((row) => ({ id: row.id, purpose: row.purpose, backend: row.backend, algorithm: row.algorithm, stored: row.stored, createdAt: row.created_at }));
  },

  async updateKeyStorage(id: string, stored: string): Promise<void> {
    await trx.updateTable('signing_keys').set({ stored }).where('id', '=', id).execute();
  },

  async insertAuthority(ca: CertificateAuthority): Promise<void> {
    await trx.insertInto('certificate_authorities').values({
      id: ca.id, source_id: ca.sourceId, name: ca.name, parent_id: ca.parentId, key_id: ca.keyId, certificate: ca.certificatePem, serial: ca.serial,
      not_after: ca.notAfter, ocsp_certificate: ca.ocspCertificatePem, ocsp_key_id: ca.ocspKeyId, crl_number: ca.crlNumber, created_at: ca.createdAt,
    }).execute();
  },

  async setResponder(caId: string, certificatePem: string, keyId: string): Promise<void> {
    await trx.updateTable('certificate_authorities').set({ ocsp_certificate: certificatePem, ocsp_key_id: keyId }).where('id', '=', caId).execute();
  },

  async authority(id: string): Promise<CertificateAuthority | null> {
    const row = await trx.selectFrom('certificate_authorities').selectAll().where('id', '=', id).executeTakeFirst();
    return row === undefined ? null : toAuthority(row);
  },

  async authorities(): Promise<CertificateAuthority[]> {
    return (await trx.selectFrom('certificate_authorities').selectAll().orderBy('source_id').orderBy('created_at').execute()).map(toAuthority);
  },

  /** The CA that issues for a source: the one of its hierarchy that has a parent (the intermediate). */
  async issuingAuthorityFor(sourceId: string): Promise<CertificateAuthority | null> {
    const row = await trx.selectFrom('certificate_authorities').selectAll().where('source_id', '=', sourceId).where('parent_id', 'is not', null)
      .orderBy('created_at', 'desc').executeTakeFirst();
    return row === undefined ? null : toAuthority(row);
  },

  /** The sources that have an issuing CA: a built-in CA source without one can sign nothing (issuingSourcesOf, in SQL). */
  async issuingSources(): Promise<string[]> {
    const rows = await trx.selectFrom('certificate_authorities').select('source_id').where('parent_id', 'is not', null).distinct().orderBy('source_id').execute();
    return rows.map((row) => row.source_id);
  },

  /** Takes the next CRL number, as a compare-and-set: two publishers never sign the same number. */
  async takeCrlNumber(caId: string): Promise<number | null> {
    const row = await trx.selectFrom('certificate_authorities').select('crl_number').where('id', '=', caId).executeTakeFirst();
    if (row === undefined) return null;
    const next = Number(row.crl_number) + 1;
    const updated = await trx.updateTable('certificate_authorities').set({ crl_number: next }).where('id', '=', caId).where('crl_number', '=', row.crl_number).executeTakeFirst();
    return Number(updated.numUpdatedRows) === 1 ? next : null;
  },

  /** Records issued certificates, a thousand rows per statement (9,000 parameters: within SQLite's and PostgreSQL's limits). */
  async insertIssued(certificates: readonly IssuedCertificate[]): Promise<void> {
    for (let start = 0; start < certificates.length; start += 1000) {
      await trx.insertInto('issued_certificates').values(certificates.slice(start, start + 1000).map((issued) => ({
        ca_id: issued.caId, serial: issued.serial, credential_id: issued.credentialId, change_id: issued.changeId, issued_at: issued.issuedAt,
        not_after: issued.notAfter, certificate: issued.certificatePem, revoked_at: issued.revokedAt, revocation_reason: issued.revocationReason,
      }))).execute();
    }
  },

  async issuedFor(credentialIds: readonly string[]): Promise<IssuedCertificate[]> {
    if (credentialIds.length === 0) return [];
    return (await trx.selectFrom('issued_certificates').selectAll().where('credential_id', 'in', [...credentialIds]).execute()).map(toIssued);
  },

  /** Whether each serial of a CA is revoked, and how; only the status columns are read. Serials the CA never issued are absent. */
  async statuses(caId: string, serials: readonly string[]): Promise<Map<string, IssuedStatus>> {
    if (serials.length === 0) return new Map();
    const rows = await trx.selectFrom('issued_certificates').select(['serial', 'revoked_at', 'revocation_reason'])
      .where('ca_id', '=', caId).where('serial', 'in', [...new Set(serials)]).execute();
    return new Map(rows.map((row) => [row.serial, { revokedAt: row.revoked_at, revocationReason: row.revocation_reason }]));
  },

  /** Marks certificates revoked; one already revoked keeps its first revocation (time and reason). */
  async revoke(caId: string, serials: readonly string[], at: string, reason: string | null): Promise<number> {
    if (serials.length === 0) return 0;
    const result = await trx.updateTable('issued_certificates').set({ revoked_at: at, revocation_reason: reason })
      .where('ca_id', '=', caId).where('serial', 'in', [...serials]).where('revoked_at', 'is', null).executeTakeFirst();
    return Number(result.numUpdatedRows);
  },

  /**
   * A page of the revoked certificates a CRL lists at `now`: revoked and not yet expired (RFC 5280 §3.3
   * lets expired ones go), in serial order after `after`.
   */
  async revokedEntries(caId: string, now: string, page: { after?: string; limit?: number } = {}): Promise<RevokedEntry[]> {
    let query = trx.selectFrom('issued_certificates').select(['serial', 'revoked_at', 'revocation_reason', 'listed_in_crl'])
      .where('ca_id', '=', caId).where('revoked_at', 'is not', null).where('not_after', '>', now);
    if (page.after !== undefined) query = query.where('serial', '>', page.after);
    const rows = await query.orderBy('serial').limit(page.limit ?? 1_000_000_000).execute();
    return rows.map((row) => ({ serial: row.serial, revokedAt: row.revoked_at as string, reason: row.revocation_reason, listed: row.listed_in_crl !== null }));
  },

  /**
   * Records that a CRL now published is the first to name these revoked serials; a serial another CRL
   * was recorded to name keeps that one. A thousand serials per statement.
   */
  async markListed(caId: string, serials: readonly string[], crlNumber: number): Promise<void> {
    for (let start = 0; start < serials.length; start += 1000) {
      await trx.updateTable('issued_certificates').set({ listed_in_crl: crlNumber })
        .where('ca_id', '=', caId).where('serial', 'in', serials.slice(start, start + 1000)).where('listed_in_crl', 'is', null).execute();
    }
  },

  /** What describes the latest CRL of a CA, without its DER; null before the first. */
  async crlInfo(caId: string): Promise<CrlInfo | null> {
    const row = await trx.selectFrom('crls').selectAll().where('ca_id', '=', caId).executeTakeFirst();
    return row === undefined ? null : toCrlInfo(row);
  },

  /** One part of a CRL's DER; null when there is no such part (past the last, or dropped with an older CRL). */
  async crlPart(caId: string, crlNumber: number, part: number): Promise<Buffer | null> {
    const row = await trx.selectFrom('crl_parts').select('der').where('ca_id', '=', caId).where('crl_number', '=', crlNumber).where('part', '=', part).executeTakeFirst();
    return row?.der ?? null;
  },

  /** One part of a CRL not yet published (publishCrl makes it the latest once every part is in). */
  async insertCrlPart(caId: string, crlNumber: number, part: number, der: Uint8Array): Promise<void> {
    await trx.insertInto('crl_parts').values({ ca_id: caId, crl_number: crlNumber, part, der: Buffer.from(der.buffer, der.byteOffset, der.byteLength) }).execute();
  },

  /**
   * Makes a CRL whose parts are all in the latest of its CA, unless a newer one is already, and drops the
   * parts of CRLs older than the one it replaces: that one's stay, for a reader that found it just before.
   * The number is compared in the write itself, so of two nodes publishing at once the newer CRL wins
   * whichever commits first. A CRL that lost to a newer one has its own parts dropped. Says whether it
   * became the latest.
   */
  async publishCrl(crl: CrlInfo): Promise<boolean> {
    const replaced = await trx.selectFrom('crls').select('crl_number').where('ca_id', '=', crl.caId).executeTakeFirst();
    const values = { crl_number: crl.crlNumber, this_update: crl.thisUpdate, next_update: crl.nextUpdate, revoked_count: crl.revokedCount, bytes: crl.bytes };
    const written = await trx.insertInto('crls').values({ ca_id: crl.caId, ...values })
      .onConflict((conflict) => conflict.column('ca_id').doUpdateSet(values).where('crls.crl_number', '<', crl.crlNumber))
      .executeTakeFirst();
    if (Number(written.numInsertedOrUpdatedRows ?? 0) === 0) {
      const latest = await trx.selectFrom('crls').select('crl_number').where('ca_id', '=', crl.caId).executeTakeFirst();
      if (Number(latest?.crl_number) !== crl.crlNumber) await trx.deleteFrom('crl_parts').where('ca_id', '=', crl.caId).where('crl_number', '=', crl.crlNumber).execute();
      return false;
    }
    // `replaced` may be older than what this write replaced (another node's CRL in between): then fewer parts go.
    if (replaced !== undefined) await trx.deleteFrom('crl_parts').where('ca_id', '=', crl.caId).where('crl_number', '<', Number(replaced.crl_number)).execute();
    return true;
  },
});

export type CaStore = ReturnType<typeof createCaStore>;
