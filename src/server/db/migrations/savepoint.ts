// Kysely runs SQLite's migrations outside a transaction (and PostgreSQL's inside one, where a savepoint
// nests): a migration of several steps runs under a savepoint, so that one stopped halfway leaves the
// database as it was and the next start runs it again from the beginning.
import { sql } from 'kysely';
import type { Kysely } from 'kysely';

export const underSavepoint = async (db: Kysely<unknown>, name: string, work: () => Promise<void>): Promise<void> => {
  await sql`savepoint ${sql.id(name)}`.execute(db);
  try {
    await work();
  } catch (error) {
    await sql`rollback to savepoint ${sql.id(name)}`.execute(db);
    await sql`release savepoint ${sql.id(name)}`.execute(db);
    throw error;
  }
  await sql`release savepoint ${sql.id(name)}`.execute(db);
};
