// The seam where every API route is authorized. Routes that act on governance as a whole declare `read`,
// `import` or `administer` and are decided here, by Cedar, before the body is read. Routes whose decision
// depends on the resource they load (a change, a review, a playbook) declare `use-case`: their use case
// asks Cedar itself once it has the resource, and refuses before it changes anything.
import type { AuthzOutcome } from '../../core/authz/explain-decision.ts';
import type { Principal } from './principal.ts';

export const routeActions = ['read', 'administer', 'import', 'use-case'] as const;
export type RouteAction = (typeof routeActions)[number];

export type AccessRequest = { principal: Principal; action: RouteAction; resource: string; requestId: string };

export type Authorizer = { authorize(request: AccessRequest): Promise<void> };

type Checker = {
  check(query: { principal: string; action: 'read' | 'import' | 'administer'; resource: { type: 'governance' }; at: Date; readOnly: boolean }, options: { enforce: boolean; requestId?: string }): Promise<AuthzOutcome>;
  now(): Date;
};

export const cedarRouteAuthorizer = (authz: Checker): Authorizer => ({
  async authorize({ principal, action, requestId }) {
    if (action === 'use-case') return;
    await authz.check({ principal: principal.ref, action, resource: { type: 'governance' }, at: authz.now(), readOnly: principal.scope === 'read-only' }, { enforce: true, requestId });
  },
});
