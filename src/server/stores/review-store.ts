// Reviews of emergency changes: a playbook invocation opens one for the class's accountable person, due
// within the playbook's `reviewWithin`; it is completed by accepting it or flagging it for follow-up.
import type { Transaction } from 'kysely';
import type { DatabaseSchema } from '../db/schema.ts';

export const reviewStatuses = ['open', 'accepted', 'flagged'] as const;
export type ReviewStatus = (typeof reviewStatuses)[number];

export type Review = {
  id: string;
  changeId: string;
  playbookId: string;
  classId: string;
  accountable: string;
  executor: string;
  openedAt: string;
  dueAt: string;
  status: ReviewStatus;
  completedBy: string | null;
  completedAt: string | null;
  note: string | null;
};

type ReviewRow = DatabaseSchema['reviews'];

const toReview = (row: ReviewRow): Review => ({
  id: row.id, changeId: row.change_id, playbookId: row.playbook_id, classId: row.class_id, accountable: row.accountable, executor: row.executor,
  openedAt: row.opened_at, dueAt: row.due_at, status: row.status as ReviewStatus, completedBy: row.completed_by, completedAt: row.completed_at, note: row.note,
});

export const createReviewStore = (trx: Transaction<DatabaseSchema>) => ({
  async insert(review: Review): Promise<void> {
    await trx.insertInto('reviews').values({
      id: review.id, change_id: review.changeId, playbook_id: review.playbookId, class_id: review.classId, accountable: review.accountable, executor: review.executor,
      opened_at: review.openedAt, due_at: review.dueAt, status: review.status, completed_by: null, completed_at: null, note: null,
    }).execute();
  },

  async find(id: string): Promise<Review | null> {
    const row = await trx.selectFrom('reviews').selectAll().where('id', '=', id).executeTakeFirst();
    return row === undefined ? null : toReview(row);
  },

  /** The reviews of these changes (emergency invocations). */
  async ofChanges(changeIds: readonly string[]): Promise<Review[]> {
    const reviews: Review[] = [];
    for (let start = 0; start < changeIds.length; start += 500) {
      const rows = await trx.selectFrom('reviews').selectAll().where('change_id', 'in', changeIds.slice(start, start + 500)).execute();
      reviews.push(...rows.map(toReview));
    }
    return reviews;
  },

  async list(filter: { status?: ReviewStatus; accountable?: string; limit: number }): Promise<Review[]> {
    let query = trx.selectFrom('reviews').selectAll();
    if (filter.status !== undefined) query = query.where('status', '=', filter.status);
    if (filter.accountable !== undefined) query = query.where('accountable', '=', filter.accountable);
    return (await query.orderBy('due_at').orderBy('id').limit(filter.limit).execute()).map(toReview);
  },

  /** Completes an open review; false when it was no longer open (someone completed it first). */
  async complete(id: string, completion: { status: Exclude<ReviewStatus, 'open'>; by: string; at: string; note: string | null }): Promise<boolean> {
    const result = await trx.updateTable('reviews')
      .set({ status: completion.status, completed_by: completion.by, completed_at: completion.at, note: completion.note })
      .where('id', '=', id).where('status', '=', 'open').executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  },
});

export type ReviewStore = ReturnType<typeof createReviewStore>;
