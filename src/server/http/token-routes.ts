import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { parseDuration } from '../../core/duration.ts';
import { TrustplaneError } from '../../core/errors.ts';
import { tokenScopes } from '../auth/principal.ts';
import type { AuthzService } from '../services/authz-service.ts';
import type { TokenService } from '../services/token-service.ts';
import { requirePrincipal } from './authentication.ts';
import { durationTextSchema, isoTimeSchema, listEnvelope, opaqueIdSchema, principalRefSchema, shortText } from './schemas.ts';

const tokenSchema = z.object({
  id: z.string(),
  name: z.string(),
  principal: z.string(),
  scope: z.string(),
  createdAt: isoTimeSchema,
  createdBy: z.string(),
  expiresAt: isoTimeSchema,
  revokedAt: isoTimeSchema.nullable(),
  lastUsedAt: isoTimeSchema.nullable(),
});

export const tokenRoutes = (tokens: TokenService, authz: Pick<AuthzService, 'check' | 'now'>) => (app: FastifyInstance): void => {
  const api = app.withTypeProvider<ZodTypeProvider>();

  api.post('/api/v1/tokens', {
    config: { action: 'use-case' },
    schema: {
      tags: ['tokens'],
      summary: 'Create an API token for a person, service account or agent; the token is shown once. A full token only the person it is for (or the owner of a service account or agent) may create; administrators create read-only ones',
      body: z.object({
        principal: principalRefSchema,
        scope: z.enum(tokenScopes).default('read-only'),
        name: shortText(100).default('api token'),
        expiresIn: durationTextSchema.default('90d'),
      }).strict(),
      response: { 201: z.object({ token: z.string(), record: tokenSchema }) },
    },
  }, async (request, reply) => {
    const expires = parseDuration(request.body.expiresIn);
    if (!expires.ok) throw new TrustplaneError('VALIDATION_FAILED', `body.expiresIn: ${expires.message}`);
    const principal = requirePrincipal(request);
    await authz.check({
      principal: principal.ref, action: 'create-token', resource: await tokens.grantFor(request.body.principal, request.body.scope),
      at: authz.now(), readOnly: principal.scope === 'read-only',
    }, { enforce: true, requestId: request.id });
    const created = await tokens.create({
      principal: request.body.principal,
      scope: request.body.scope,
      name: request.body.name,
      expiresInMs: expires.ms,
      actor: requirePrincipal(request).ref,
      requestId: request.id,
    });
    return reply.status(201).send(created);
  });

  api.get('/api/v1/tokens', {
    config: { action: 'administer' },
    schema: {
      tags: ['tokens'],
      summary: 'List API tokens (never their values)',
      querystring: z.object({ principal: principalRefSchema.optional(), includeRevoked: z.enum(['true', 'false']).default('false') }),
      response: { 200: listEnvelope(tokenSchema) },
    },
  }, async (request) => {
    const items = await tokens.list({
      ...(request.query.principal === undefined ? {} : { principal: request.query.principal }),
      includeRevoked: request.query.includeRevoked === 'true',
    });
    return { items };
  });

  api.post('/api/v1/tokens/:id/revoke', {
    config: { action: 'administer' },
    schema: {
      tags: ['tokens'],
      summary: 'Revoke an API token at once',
      params: z.object({ id: opaqueIdSchema }),
      response: { 200: tokenSchema },
    },
  }, async (request) => tokens.revoke(request.params.id, requirePrincipal(request).ref, request.id));
};
