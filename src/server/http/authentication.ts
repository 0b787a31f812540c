// Every route is authenticated by bearer token and authorized through the one Authorizer seam, unless
// it is declared public (health, readiness, the OpenAPI document). The decision is made on the route
// that matched, before the body is read, so no spelling of a URL reaches a handler unauthenticated and
// no anonymous body is parsed. A route that declares no action is refused: authorization fails closed.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { TrustplaneError } from '../../core/errors.ts';
import type { Authorizer, RouteAction } from '../auth/authorizer.ts';
import type { Principal } from '../auth/principal.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** What the route does, as the authorizer understands it. */
    action?: RouteAction;
    /** Answered without a token (health, readiness, the API description). */
    public?: boolean;
  }
  interface FastifyRequest {
    principal: Principal | null;
  }
}

export type Authenticator = { authenticate(token: string): Promise<Principal> };

const bearerPattern = /^Bearer ([A-Za-z0-9_-]{10,200})$/;

export const requirePrincipal = (request: FastifyRequest): Principal => {
  if (request.principal === null) throw new TrustplaneError('UNAUTHENTICATED', 'this route needs a bearer token');
  return request.principal;
};

export const registerAuthentication = (app: FastifyInstance, deps: { authenticator: Authenticator; authorizer: Authorizer }): void => {
  app.decorateRequest('principal', null);
  app.addHook('onRequest', async (request) => {
    // Unknown routes answer 404 from the not-found handler, which reveals nothing and runs no handler.
    if (request.is404 || request.routeOptions.config.public === true) return;
    const header = request.headers.authorization;
    if (header === undefined) {
      throw new TrustplaneError('UNAUTHENTICATED', 'send an API token as "Authorization: Bearer <token>"; `trustplane tokens create` makes one');
    }
    const match = bearerPattern.exec(header);
    if (!match) throw new TrustplaneError('UNAUTHENTICATED', 'the Authorization header must be "Bearer <token>"');
    const principal = await deps.authenticator.authenticate(match[1] as string);
    request.principal = principal;
    const action = request.routeOptions.config.action;
    const resource = request.routeOptions.url ?? request.url;
    if (action === undefined) throw new TrustplaneError('FORBIDDEN', `route ${resource} declares no action and is refused`);
    await deps.authorizer.authorize({ principal, action, resource, requestId: request.id });
  });
};
