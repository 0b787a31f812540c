// Reviews of emergency changes, completed by the class's accountable person: accept, or flag for
// follow-up with a note. Cedar decides who may complete one.
import { TrustplaneError } from '../../core/errors.ts';
import type { UnitOfWork } from '../db/unit-of-work.ts';
import type { Clock } from '../platform.ts';
import type { Review, ReviewStatus } from '../stores/review-store.ts';
import type { Actor } from './actor.ts';
import { requestIdOf } from './actor.ts';
import { isDenial } from './authz-service.ts';
import type { AuthzService } from './authz-service.ts';

export type ReviewServiceDeps = { unitOfWork: UnitOfWork; clock: Clock; authz: AuthzService };

export const reviewOutcomes = ['accept', 'flag'] as const;
export type ReviewOutcome = (typeof reviewOutcomes)[number];

export const createReviewService = ({ unitOfWork, clock, authz }: ReviewServiceDeps) => ({
  list: (filter: { status?: ReviewStatus; accountable?: string; limit: number }): Promise<Review[]> => unitOfWork((tx) => tx.reviews.list(filter)),

  async complete(actor: Actor, id: string, input: { outcome: ReviewOutcome; note?: string }): Promise<Review> {
    if (input.outcome === 'flag' && input.note === undefined) throw new TrustplaneError('VALIDATION_FAILED', 'flagging a review for follow-up needs a note saying what must follow (--note TEXT)');
    const result = await unitOfWork(async (tx) => {
      const review = await tx.reviews.find(id);
      if (review === null) throw new TrustplaneError('NOT_FOUND', `no review ${id}; \`trustplane reviews list\` shows the open ones`);
      if (review.status !== 'open') throw new TrustplaneError('INVALID_TRANSITION', `review ${id} was already completed (${review.status}) by ${review.completedBy} at ${review.completedAt}`);
      const snapshot = await authz.snapshot(tx);
      const now = clock.now();
      const query = { principal: actor.ref, action: 'complete-review' as const, resource: { type: 'review' as const, id, classId: review.classId, accountable: review.accountable, executor: review.executor, executorPeople: (await tx.changes.find(review.changeId))?.people?.[review.executor] ?? [] }, at: now, readOnly: actor.readOnly };
      const outcome = authz.decideIn(snapshot, query);
      if (isDenial(outcome)) return outcome;
      const status = input.outcome === 'accept' ? 'accepted' : 'flagged';
      if (!await tx.reviews.complete(id, { status, by: actor.ref, at: now.toISOString(), note: input.note ?? null })) {
        throw new TrustplaneError('CONFLICT', `review ${id} was completed by someone else at the same moment`);
      }
      await tx.audit.append({
        at: now, actor: actor.ref, action: 'review.complete', target: `review:${id}`, ...(snapshot.version === null ? {} : { governanceVersion: snapshot.version }), ...requestIdOf(actor),
        details: { change: review.changeId, outcome: status, note: input.note ?? null, late: now.toISOString() > review.dueAt, policies: outcome.policies.map((policy) => policy.id) },
      });
      return (await tx.reviews.find(id)) as Review;
    });
    return authz.settle(result, actor.requestId);
  },
});

export type ReviewService = ReturnType<typeof createReviewService>;
