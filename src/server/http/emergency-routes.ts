// Playbooks, their reviews, and delegations as they stand now (with revocation at once).
import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { governedActions, revocationReasons } from '../../core/governance/index.ts';
import type { DelegationService } from '../services/delegation-service.ts';
import type { PlaybookService } from '../services/playbook-service.ts';
import { reviewOutcomes } from '../services/review-service.ts';
import type { ReviewService } from '../services/review-service.ts';
import { reviewStatuses } from '../stores/review-store.ts';
import { actorFrom, changeSchema } from './change-routes.ts';
import { idSchema, isoTimeSchema, listEnvelope, opaqueIdSchema, parseInstantParameter } from './schemas.ts';

const reviewSchema = z.object({
  id: z.string(), changeId: z.string(), playbookId: z.string(), classId: z.string(), accountable: z.string(),
  openedAt: isoTimeSchema, dueAt: isoTimeSchema, status: z.enum(reviewStatuses),
  completedBy: z.string().nullable(), completedAt: isoTimeSchema.nullable(), note: z.string().nullable(),
});

const delegationSchema = z.object({
  id: z.string(), to: z.string(), classes: z.array(z.string()), actions: z.array(z.string()), windows: z.array(z.unknown()).optional(),
  until: z.string().optional(), grantedBy: z.string(), state: z.enum(['open', 'closed', 'expired', 'revoked']), nextWindowAt: isoTimeSchema.nullable(),
  revocation: z.object({ delegationId: z.string(), revokedAt: isoTimeSchema, revokedBy: z.string(), reason: z.string() }).nullable(),
});

export const emergencyRoutes = (deps: { playbooks: PlaybookService; reviews: ReviewService; delegations: DelegationService }) => (app: FastifyInstance): void => {
  const api = app.withTypeProvider<ZodTypeProvider>();

  api.get('/api/v1/playbooks', {
    config: { action: 'read' },
    schema: { tags: ['playbooks'], summary: 'The emergency playbooks of the governance in force', response: { 200: listEnvelope(z.record(z.string(), z.unknown())) } },
  }, async () => ({ items: await deps.playbooks.list() }));

  api.post('/api/v1/playbooks/:id/invoke', {
    config: { action: 'use-case' },
    schema: {
      tags: ['playbooks'],
      summary: 'Invoke an emergency playbook: executes at once within its scope and opens a review',
      params: z.object({ id: idSchema }),
      body: z.object({
        credentials: z.array(z.string().min(1).max(100)).min(1).max(1_000_000),
        trigger: z.enum(revocationReasons),
        action: z.enum(governedActions).optional(),
        reason: z.string().trim().min(1, 'say why, in a few words').max(2000),
      }).strict(),
      response: { 200: z.object({ playbookId: z.string(), changes: z.array(changeSchema), reviews: z.array(reviewSchema) }) },
    },
  }, async (request) => deps.playbooks.invoke(actorFrom(request), {
    playbookId: request.params.id, credentialIds: request.body.credentials, trigger: request.body.trigger, reason: request.body.reason,
    ...(request.body.action === undefined ? {} : { action: request.body.action }),
  }));

  api.get('/api/v1/reviews', {
    config: { action: 'read' },
    schema: {
      tags: ['reviews'],
      summary: 'Reviews of emergency changes, soonest due first',
      querystring: z.object({ status: z.enum(reviewStatuses).optional(), accountable: z.string().max(100).optional(), limit: z.coerce.number().int().min(1).max(500).default(100) }),
      response: { 200: listEnvelope(reviewSchema) },
    },
  }, async (request) => ({
    items: await deps.reviews.list({
      limit: request.query.limit,
      ...(request.query.status === undefined ? {} : { status: request.query.status }),
      ...(request.query.accountable === undefined ? {} : { accountable: request.query.accountable }),
    }),
  }));

  api.post('/api/v1/reviews/:id/complete', {
    config: { action: 'use-case' },
    schema: {
      tags: ['reviews'],
      summary: 'Complete a review: accept the emergency change, or flag it for follow-up',
      params: z.object({ id: opaqueIdSchema }),
      body: z.object({ outcome: z.enum(reviewOutcomes), note: z.string().trim().min(1).max(2000).optional() }).strict(),
      response: { 200: reviewSchema },
    },
  }, async (request) => deps.reviews.complete(actorFrom(request), request.params.id, {
    outcome: request.body.outcome, ...(request.body.note === undefined ? {} : { note: request.body.note }),
  }));

  api.get('/api/v1/delegations', {
    config: { action: 'read' },
    schema: {
      tags: ['delegations'],
      summary: 'Delegations and their state now (open, closed, expired, revoked), or at a given time',
      querystring: z.object({ at: isoTimeSchema.optional() }),
      response: { 200: listEnvelope(delegationSchema) },
    },
  }, async (request) => ({ items: await deps.delegations.list(request.query.at === undefined ? undefined : parseInstantParameter('at', request.query.at)) }));

  api.post('/api/v1/delegations/:id/revoke', {
    config: { action: 'use-case' },
    schema: {
      tags: ['delegations'],
      summary: 'Revoke a delegation at once: the partner can no longer act under it',
      params: z.object({ id: idSchema }),
      body: z.object({ reason: z.string().trim().min(1, 'say why, in a few words').max(2000) }).strict(),
      response: { 200: delegationSchema },
    },
  }, async (request) => deps.delegations.revoke(actorFrom(request), request.params.id, request.body.reason));
};
