// Offboarding over the API: plan or carry out the offboarding of a person, partner or workload, or take
// one back (`administer`, decided by Cedar), and follow its revocations until every one is verified (`read`).
import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { offboardingKinds } from '../services/offboarding-service.ts';
import type { OffboardingService } from '../services/offboarding-service.ts';
import { actorFrom } from './change-routes.ts';
import { idSchema, isoTimeSchema, listEnvelope, opaqueIdSchema } from './schemas.ts';

const planSchema = z.object({
  subject: z.string(), name: z.string(),
  delegations: z.array(z.object({ id: z.string(), classes: z.array(z.string()), actions: z.array(z.string()) })),
  tokens: z.array(z.object({ id: z.string(), principal: z.string(), name: z.string() })),
  cancel: z.array(z.object({ changeId: z.string(), action: z.string(), classId: z.string(), status: z.string() })),
  revocations: z.array(z.object({ classId: z.string(), trigger: z.string(), credentials: z.array(z.object({ id: z.string(), name: z.string() })) })),
  tasks: z.array(z.object({ kind: z.string(), text: z.string() })),
});

const offboardingSchema = z.object({
  id: z.string(), subject: z.string(), at: isoTimeSchema, by: z.string(), reason: z.string(), plan: planSchema,
  reinstatement: z.object({ at: isoTimeSchema, by: z.string(), reason: z.string() }).nullable(),
  changes: z.array(z.object({
    id: z.string(), classId: z.string(), status: z.string(), trigger: z.string().nullable(), dueAt: isoTimeSchema.nullable(), verifiedAt: isoTimeSchema.nullable(),
    credentials: z.array(z.string()), onTime: z.boolean().nullable(),
  })),
  progress: z.object({ verified: z.number(), total: z.number(), complete: z.boolean(), overdue: z.number() }),
});

export const offboardingRoutes = (offboarding: OffboardingService) => (app: FastifyInstance): void => {
  const api = app.withTypeProvider<ZodTypeProvider>();

  api.post('/api/v1/offboardings', {
    config: { action: 'administer' },
    schema: {
      tags: ['offboarding'],
      summary: 'Offboard a person, partner or workload; with dryRun, only the plan',
      body: z.object({
        kind: z.enum(offboardingKinds), id: idSchema,
        reason: z.string().trim().min(1, 'say why, in a few words').max(2000),
        dryRun: z.boolean().default(false),
      }).strict(),
      response: { 200: z.object({ dryRun: z.boolean(), plan: planSchema, offboarding: offboardingSchema.nullable() }) },
    },
  }, async (request) => offboarding.offboard(actorFrom(request), request.body));

  api.get('/api/v1/offboardings', {
    config: { action: 'read' },
    schema: {
      tags: ['offboarding'],
      summary: 'Offboardings, newest first, with the progress of their revocations',
      querystring: z.object({
        limit: z.coerce.number().int().min(1).max(1000).default(100), offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
      }).strict(),
      response: { 200: listEnvelope(offboardingSchema) },
    },
  }, async (request) => ({ items: await offboarding.list(request.query) }));

  api.post('/api/v1/offboardings/:id/reinstate', {
    config: { action: 'administer' },
    schema: {
      tags: ['offboarding'],
      summary: 'Take an offboarded subject back (rehired, engaged again): by offboarding id or subject; what the offboarding revoked stays revoked',
      params: z.object({ id: opaqueIdSchema }),
      body: z.object({ reason: z.string().trim().min(1, 'say why, in a few words').max(2000) }).strict(),
      response: { 200: offboardingSchema },
    },
  }, async (request) => offboarding.reinstate(actorFrom(request), request.params.id, request.body.reason));

  api.get('/api/v1/offboardings/:id', {
    config: { action: 'read' },
    schema: { tags: ['offboarding'], summary: 'One offboarding (by id, or by subject such as partner:globex) and the progress of its revocations', params: z.object({ id: opaqueIdSchema }), response: { 200: offboardingSchema } },
  }, async (request) => offboarding.show(request.params.id));
};
