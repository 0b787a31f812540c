// The Fastify application: /api/v1 (JSON, zod-validated, OpenAPI-described), health and readiness.
import { randomUUID } from 'node:crypto';
import fastify from 'fastify';
import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import fastifySwagger from '@fastify/swagger';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { Authorizer } from '../auth/authorizer.ts';
import { registerAuthentication } from './authentication.ts';
import type { Authenticator } from './authentication.ts';
import { buildProblem, handleError, sendProblem } from './problem.ts';

export const defaultBodyLimit = 1024 * 1024;
export const importBodyLimit = 32 * 1024 * 1024;

export type AppDeps = {
  authenticator: Authenticator;
  authorizer: Authorizer;
  /** Resolves when the service can take requests; rejects with the reason otherwise. */
  readiness: () => Promise<void>;
  logger?: FastifyServerOptions['logger'];
  version: string;
};

export type RouteModule = (app: FastifyInstance) => void;

export const buildApp = async (deps: AppDeps, routes: readonly RouteModule[]): Promise<FastifyInstance> => {
  const app = fastify({
    logger: deps.logger ?? false,
    bodyLimit: defaultBodyLimit,
    genReqId: () => randomUUID(),
    requestIdHeader: false,
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(handleError);
  app.setNotFoundHandler((request, reply) => sendProblem(reply, buildProblem(request, 'NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]}`)));
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
    // /pki sets its own caching (CRLs and CA certificates may be cached by relying parties); nothing else is.
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
  });

  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Trustplane API',
        version: deps.version,
        description: 'Control plane for cryptographic trust. Errors are RFC 9457 problem+json with a stable `code`.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
  });

  registerAuthentication(app, { authenticator: deps.authenticator, authorizer: deps.authorizer });

  app.get('/healthz', { config: { public: true }, schema: { hide: true } }, async () => ({ status: 'ok' }));
  app.get('/readyz', { config: { public: true }, schema: { hide: true } }, async (request, reply) => {
    try {
      await deps.readiness();
      return { status: 'ready' };
    } catch (error) {
      return sendProblem(reply, buildProblem(request, 'NOT_READY', (error as Error).message));
    }
  });
  app.get('/api/openapi.json', { config: { public: true }, schema: { hide: true } }, async () => app.swagger());

  for (const register of routes) register(app);
  await app.ready();
  return app;
};
