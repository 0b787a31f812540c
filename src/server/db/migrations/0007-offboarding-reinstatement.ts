// Offboarding is no longer for ever: a person rehired, a partner engaged again or a workload brought back
// is reinstated, and may be offboarded again later. An offboarding keeps its row (its plan and its
// revocations stay evidence) and records when, by whom and why it was reinstated; a subject has at most
// one offboarding not reinstated, which a partial unique index keeps (0005 made `subject` unique outright,
// so the table is rebuilt without that: SQLite cannot drop a column constraint in place). The rebuild runs
// under a savepoint: Kysely runs SQLite's migrations outside a transaction (and PostgreSQL's inside one,
// where the savepoint nests), and a rebuild stopped halfway must leave the old table as it was.
import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import { underSavepoint } from './savepoint.ts';

export const offboardingReinstatementMigration = () => ({
  up: (db: Kysely<unknown>): Promise<void> => underSavepoint(db, 'offboarding_reinstatement', () => rebuild(db)),
});

const rebuild = async (db: Kysely<unknown>): Promise<void> => {
  await db.schema.createTable('offboardings_next')
    .addColumn('id', 'text', (c) => c.primaryKey())
    /** person:ID, partner:ID or workload:ID. */
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('by', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    /** JSON: what the offboarding did (delegations revoked, tokens revoked, changes opened, tasks). */
    .addColumn('plan', 'text', (c) => c.notNull())
    .addColumn('reinstated_at', 'text')
    .addColumn('reinstated_by', 'text')
    .addColumn('reinstated_reason', 'text')
    .execute();
  await sql`insert into offboardings_next (id, subject, at, by, reason, plan) select id, subject, at, by, reason, plan from offboardings`.execute(db);
  await db.schema.dropTable('offboardings').execute();
  await db.schema.alterTable('offboardings_next').renameTo('offboardings').execute();
  await db.schema.createIndex('offboardings_current_idx').on('offboardings').column('subject').unique().where(sql<boolean>`reinstated_at is null`).execute();
  await db.schema.createIndex('offboardings_subject_idx').on('offboardings').columns(['subject', 'at']).execute();
};
