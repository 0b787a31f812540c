// Revealing a secret over HTTP, once. Whether the caller may is decided by the secret service over the
// version as it stands (`use-case`); the response is never cached.
import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { SecretService } from '../services/secret-service.ts';
import { actorFrom } from './change-routes.ts';
import { isoTimeSchema, opaqueIdSchema } from './schemas.ts';

const revealSchema = z.object({
  credentialId: z.string(),
  version: z.number(),
  value: z.string().describe('the secret value; shown once, never again'),
  revealedAt: isoTimeSchema,
});

export const secretRoutes = (secrets: Pick<SecretService, 'reveal'>) => (app: FastifyInstance): void => {
  const api = app.withTypeProvider<ZodTypeProvider>();

  api.post('/api/v1/credentials/:id/reveal', {
    config: { action: 'use-case' },
    schema: {
      tags: ['credentials'],
      summary: 'Reveal a secret from the built-in store, once, to the requester or executor of the change that made it',
      params: z.object({ id: opaqueIdSchema }),
      body: z.object({}).strict().default({}),
      response: { 200: revealSchema },
    },
  }, async (request, reply) => {
    const revealed = await secrets.reveal(actorFrom(request), request.params.id);
    return reply.header('cache-control', 'no-store').send(revealed);
  });
};
