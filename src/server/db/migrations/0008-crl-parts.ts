// A CRL is kept in parts of at most 2 MiB of DER (crlPartBytes in ca-store.ts), each written in a transaction of its own, instead
// of one base64 text of the whole: a CRL over a million revoked certificates is 46 MB, and writing (or
// reading) it in one statement held the server's event loop for most of a second on SQLite, where every
// statement is synchronous, so OCSP answers waited. `crls` keeps what describes the latest CRL of each CA,
// now with its size in octets, and points at its parts by CRL number. Existing CRLs move into parts here.
import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import type { DatabaseCapabilities } from '../capabilities.ts';
import { crlPartsOf } from '../../stores/ca-store.ts';
import { underSavepoint } from './savepoint.ts';

export const crlPartsMigration = (capabilities: DatabaseCapabilities) => ({
  up: (db: Kysely<unknown>): Promise<void> => underSavepoint(db, 'crl_parts', async () => {
    await db.schema.createTable('crl_parts')
      .addColumn('ca_id', 'text', (c) => c.notNull())
      .addColumn('crl_number', 'integer', (c) => c.notNull())
      .addColumn('part', 'integer', (c) => c.notNull())
      .addColumn('der', capabilities.binaryColumnType, (c) => c.notNull())
      .addPrimaryKeyConstraint('crl_parts_pk', ['ca_id', 'crl_number', 'part'])
      .execute();
    await db.schema.alterTable('crls').addColumn('bytes', 'integer', (c) => c.notNull().defaultTo(0)).execute();
    const existing = await sql<{ ca_id: string; crl_number: number | string; der: string }>`select ca_id, crl_number, der from crls`.execute(db);
    for (const row of existing.rows) {
      const der = Buffer.from(row.der, 'base64');
      for (const [part, octets] of crlPartsOf(der).entries()) {
        await sql`insert into crl_parts (ca_id, crl_number, part, der) values (${row.ca_id}, ${Number(row.crl_number)}, ${part}, ${octets})`.execute(db);
      }
      await sql`update crls set bytes = ${der.length} where ca_id = ${row.ca_id}`.execute(db);
    }
    await db.schema.alterTable('crls').dropColumn('der').execute();
  }),
});
