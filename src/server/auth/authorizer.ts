// The one seam where every API decision is made. Routes declare the action they perform; the
// authorizer answers allow or deny with a reason. This interim implementation knows two roles
// (admin: everything; reader: read); the decision-rights work replaces it with Cedar behind the same type.
import type { Principal } from './principal.ts';

export const routeActions = ['read', 'administer', 'import'] as const;
export type RouteAction = (typeof routeActions)[number];

export type AccessRequest = { principal: Principal; action: RouteAction; resource: string };
export type AccessDecision = { allowed: boolean; reason: string };

export type Authorizer = { authorize(request: AccessRequest): Promise<AccessDecision> };

export const roleAuthorizer: Authorizer = {
  async authorize({ principal, action, resource }) {
    if (principal.role === 'admin') return { allowed: true, reason: `${principal.ref} holds the admin role` };
    if (action === 'read') return { allowed: true, reason: `${principal.ref} holds the reader role, which may read` };
    return { allowed: false, reason: `${principal.ref} holds the reader role, which may not ${action} ${resource}` };
  },
};
