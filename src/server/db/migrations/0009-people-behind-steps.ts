// Separation of duties compares the people behind principals (a service account or agent counts as its
// owner): each step of a change records the person behind its actor at the time it was taken, so that
// posture and the evidence pack judge a change by who owned the account then, not by today's governance.
// Steps recorded before this migration have none; their actor stands for itself (as it did then).
import type { Kysely } from 'kysely';

export const peopleBehindStepsMigration = () => ({
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('change_events').addColumn('person', 'text').execute();
  },
});
