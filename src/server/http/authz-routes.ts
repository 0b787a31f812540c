// Decisions on request: `trustplane can` asks here what Cedar would decide and why, and operators read
// the denied attempts that monitoring alerts on.
import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { governedActions, revocationReasons } from '../../core/governance/index.ts';
import type { AuthzService } from '../services/authz-service.ts';
import type { DecisionExplainer } from '../services/decision-explainer.ts';
import { isoTimeSchema, listEnvelope, parseInstantParameter, principalRefSchema } from './schemas.ts';

const policySchema = z.object({ id: z.string(), effect: z.enum(['permit', 'forbid']), source: z.string(), because: z.string() });

export const authzRoutes = (deps: { explainer: DecisionExplainer; authz: AuthzService }) => (app: FastifyInstance): void => {
  const api = app.withTypeProvider<ZodTypeProvider>();

  api.post('/api/v1/authz/check', {
    config: { action: 'read' },
    schema: {
      tags: ['authz'],
      summary: 'What Cedar decides for a principal, action and resource (now, or at a given time), with the deciding policies traced to governance',
      body: z.object({
        principal: principalRefSchema,
        action: z.string().min(1).max(40),
        resource: z.string().min(1).max(120),
        at: isoTimeSchema.optional(),
        trigger: z.enum(revocationReasons).optional(),
        lifecycleAction: z.enum(governedActions).optional(),
        credentialCount: z.number().int().min(1).max(1_000_000).optional(),
        classes: z.array(z.string().max(63)).max(1000).optional(),
      }).strict(),
      response: {
        200: z.object({
          allowed: z.boolean(), decision: z.enum(['allow', 'deny']), code: z.string().nullable(), reason: z.string(),
          principal: z.string(), action: z.string(), resource: z.string(), at: isoTimeSchema, governanceVersion: z.number().nullable(),
          policies: z.array(policySchema),
        }),
      },
    },
  }, async (request) => {
    const { body } = request;
    const at = body.at === undefined ? deps.authz.now() : parseInstantParameter('body.at', body.at);
    const explained = await deps.explainer.explain({
      principal: body.principal, action: body.action, resource: body.resource, at,
      ...(body.trigger === undefined ? {} : { trigger: body.trigger }),
      ...(body.lifecycleAction === undefined ? {} : { lifecycleAction: body.lifecycleAction }),
      ...(body.credentialCount === undefined ? {} : { credentialCount: body.credentialCount }),
      ...(body.classes === undefined ? {} : { classes: body.classes }),
    });
    return {
      ...explained,
      decision: explained.allowed ? 'allow' as const : 'deny' as const,
      policies: explained.policies.map((policy) => ({ id: policy.id, ...policy.origin })),
    };
  });

  api.get('/api/v1/authz/denied', {
    config: { action: 'read' },
    schema: {
      tags: ['authz'],
      summary: 'Denied attempts, newest first',
      querystring: z.object({ since: isoTimeSchema.optional(), principal: principalRefSchema.optional(), limit: z.coerce.number().int().min(1).max(1000).default(100) }),
      response: {
        200: listEnvelope(z.object({
          seq: z.number(), at: isoTimeSchema, principal: z.string(), action: z.string(), resource: z.string(), classId: z.string().nullable(),
          code: z.string(), reason: z.string(), governanceVersion: z.number().nullable(), requestId: z.string().nullable(),
        })),
      },
    },
  }, async (request) => ({
    items: await deps.authz.deniedAttempts({
      limit: request.query.limit,
      ...(request.query.since === undefined ? {} : { since: parseInstantParameter('since', request.query.since).toISOString() }),
      ...(request.query.principal === undefined ? {} : { principal: request.query.principal }),
    }),
  }));
};
