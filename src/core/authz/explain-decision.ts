// Turns a Cedar decision into what a person needs: allowed or not, the stable error code of a refusal,
// and a sentence that says why, traced to the governance entries behind the deciding policies.
import type { ErrorCode } from '../errors.ts';
import { explainDelegationDenial, resourceClassOf } from './authz-model.ts';
import { parseStepAction } from './cedar-schema.ts';
import type { AuthzModel, AuthzQuery, AuthzResource, DelegationRevocation } from './authz-model.ts';
import type { PolicyOrigin } from './governance-policies.ts';
import { outsidePlaybook } from '../governance/playbook-scope.ts';

export type DecidingPolicy = { id: string; origin: PolicyOrigin };

export type AuthzOutcome = {
  allowed: boolean;
  /** Why, in one sentence. */
  reason: string;
  /** The code a refusal carries; null when allowed. */
  code: ErrorCode | null;
  policies: DecidingPolicy[];
};

export const describeResource = (resource: AuthzResource): string => {
  switch (resource.type) {
    case 'governance': return 'governance';
    case 'class': return `class ${resource.classId}`;
    case 'credential': return `credential ${resource.id}`;
    case 'change': return `change ${resource.id} (${resource.lifecycleAction} on ${resource.classId})`;
    case 'playbook': return `playbook ${resource.id}`;
    case 'review': return `review ${resource.id}`;
    case 'alert': return `alert ${resource.id}`;
    case 'delegation': return `delegation ${resource.id}`;
    case 'token': return `a ${resource.readOnly ? 'read-only' : 'full'} token for ${resource.principal}`;
  }
};

export const explainDecision = (
  model: AuthzModel, query: AuthzQuery, decision: { allowed: boolean; policies: DecidingPolicy[] }, revoked: ReadonlyMap<string, DelegationRevocation>,
): AuthzOutcome => {
  const what = `${query.principal} ${query.action} on ${describeResource(query.resource)}`;
  if (decision.allowed) {
    return { allowed: true, code: null, policies: decision.policies, reason: `allowed: ${decision.policies.map((policy) => policy.origin.because).join('; ')}` };
  }
  const forbids = decision.policies.filter((policy) => policy.origin.effect === 'forbid');
  const delegation = (): AuthzOutcome | null => {
    const denial = explainDelegationDenial(model, query.principal, resourceClassOf(query.resource), parseStepAction(query.action)?.action ?? null, query.at, revoked);
    return denial === null ? null : { allowed: false, code: denial.code, policies: decision.policies, reason: `denied: ${denial.message}` };
  };
  const sod = forbids.find((policy) => policy.id.startsWith('sod.') && !policy.id.startsWith('sod.partner-') && policy.id !== 'sod.read-only-token' && policy.id !== 'sod.system-approves-only-pre-approved');
  if (sod !== undefined) {
    return { allowed: false, code: 'SOD_VIOLATION', policies: decision.policies, reason: `denied by separation of duties: ${forbids.map((policy) => policy.origin.because).join('; ')}` };
  }
  if (forbids.some((policy) => policy.id === 'sod.partner-only-inside-delegation')) {
    const explained = delegation();
    if (explained !== null) return explained;
  }
  if (forbids.length > 0) {
    return { allowed: false, code: 'FORBIDDEN', policies: decision.policies, reason: `denied: ${forbids.map((policy) => policy.origin.because).join('; ')}` };
  }
  const explained = delegation() ?? playbookScope(model, query);
  if (explained !== null) return explained;
  return { allowed: false, code: 'FORBIDDEN', policies: [], reason: `denied: no policy permits ${what}` };
};

/**
 * Why a playbook's permit did not apply to an invocation, in the playbook's own terms. Cedar decided; this
 * only reads governance to say which of the playbook's conditions the invocation is outside of.
 */
const playbookScope = (model: AuthzModel, query: AuthzQuery): AuthzOutcome | null => {
  if (query.action !== 'invoke-playbook' || query.resource.type !== 'playbook' || query.invocation === undefined) return null;
  const { id } = query.resource;
  const playbook = model.governance.playbooks.find((entry) => entry.id === id);
  if (playbook === undefined) return null;
  const facts = model.principal(query.principal);
  const memberships = new Set([query.principal, ...(facts?.parents ?? []).map((parent) => `${parent.type === 'Trustplane::Team' ? 'team' : 'org'}:${parent.id}`)]);
  const outside = outsidePlaybook(playbook, query.invocation, { ref: query.principal, isResponder: playbook.responders.some((responder) => memberships.has(responder)) });
  if (outside.length === 0) return null;
  return { allowed: false, code: 'FORBIDDEN', policies: [], reason: `denied: playbook ${playbook.id} does not cover this invocation: ${outside.join('; ')}` };
};
