// The one place cedar-wasm is called. Each governance version's policies are pre-parsed once, in one set
// per class (preparsePolicySet), so a decision costs one stateful call with the request's principal,
// resource and action. The organisation's own `policies:` are split, validated against the schema
// in strict mode and added beside the compiled ones; a policy that fails validation refuses the apply.
import { createHash } from 'node:crypto';
import * as cedar from '@cedar-policy/cedar-wasm/nodejs';
import type { DetailedError } from '@cedar-policy/cedar-wasm/nodejs';
import { buildCedarRequest, createAuthzModel, resourceClassOf } from '../../core/authz/authz-model.ts';
import type { AuthzModel, AuthzQuery, AuthzResource, DelegationRevocation } from '../../core/authz/authz-model.ts';
import { cedarSchema } from '../../core/authz/cedar-schema.ts';
import { compileGovernancePolicies } from '../../core/authz/governance-policies.ts';
import type { PolicyOrigin } from '../../core/authz/governance-policies.ts';
import { policyId } from '../../core/governance/index.ts';
import type { Governance } from '../../core/governance/index.ts';
import { TrustplaneError } from '../../core/errors.ts';

const describe = (errors: readonly DetailedError[]): string => errors.map((error) => error.message + (error.help === null ? '' : ` (${error.help})`)).join('; ');

/** A problem in `policies[index]`, or in the compiled policies when `index` is null. */
export type PolicySetProblem = { index: number | null; message: string };

/** The organisation's own policies, each entry split into its statements, named `policy-<hash>[-n]`. */
const organisationPolicies = (governance: Governance): { policies: Record<string, string>; origins: Record<string, PolicyOrigin>; problems: PolicySetProblem[] } => {
  const policies: Record<string, string> = {};
  const origins: Record<string, PolicyOrigin> = {};
  const problems: PolicySetProblem[] = [];
  governance.policies.forEach((text, index) => {
    const parts = cedar.policySetTextToParts(text);
    if (parts.type !== 'success') {
      problems.push({ index, message: `is not Cedar: ${describe(parts.errors)}` });
      return;
    }
    if (parts.policy_templates.length > 0) problems.push({ index, message: 'declares a template; governance policies must be static' });
    parts.policies.forEach((policy, part) => {
      const id = parts.policies.length === 1 ? policyId(text) : `${policyId(text)}-${part + 1}`;
      policies[id] = policy;
      const parsed = cedar.policyToJson(policy);
      origins[id] = { effect: parsed.type === 'success' ? parsed.json.effect : 'permit', scope: 'everywhere', source: `policies[${index}]`, because: `the organisation's own policy ${id}` };
    });
  });
  return { policies, origins, problems };
};

export type CompiledGovernance = {
  version: number;
  model: AuthzModel;
  origins: Record<string, PolicyOrigin>;
  policies: Record<string, string>;
  /** The pre-parsed policy set for a resource: its class's, its playbook's, or the one for everything else. */
  policySetFor(resource: AuthzResource): string;
};

export type CedarDecision = {
  allowed: boolean;
  /** The policies that decided: the permits that allowed, or the forbids that denied (empty for a default deny). */
  policies: { id: string; origin: PolicyOrigin }[];
  errors: string[];
};

/**
 * Validates the whole policy set a governance would compile to, against the schema in strict mode, so
 * that an apply is refused rather than leaving a governance version no request could be decided under.
 * Problems in the organisation's own policies name their entry; a problem in a compiled policy is a bug
 * in Trustplane and says so.
 */
export const checkGovernancePolicies = (governance: Governance): PolicySetProblem[] => {
  const own = organisationPolicies(governance);
  if (own.problems.length > 0) return own.problems;
  const compiled = compileGovernancePolicies(governance);
  const policies = { ...compiled.policies, ...own.policies };
  const answer = cedar.validate({ schema: cedarSchema, policies: { staticPolicies: policies }, validationSettings: { mode: 'strict' } });
  if (answer.type !== 'success') return [{ index: null, message: describe(answer.errors) }];
  const byId = new Map(Object.entries(own.origins).map(([id, origin]) => [id, Number(origin.source.slice('policies['.length, -1))]));
  return answer.validationErrors.map((error) => {
    const index = byId.get(error.policyId);
    const help = error.error.help === null ? '' : ` (${error.error.help})`;
    return index === undefined
      ? { index: null, message: `the compiled policy ${error.policyId} does not validate, which is a bug in Trustplane; please report it: ${error.error.message}${help}` }
      : { index, message: `does not match the Trustplane Cedar schema: ${error.error.message}${help}` };
  });
};

// Pre-parsed policy sets live in cedar-wasm's memory for the life of the process. They are named by their
// content, so a set that a new governance version leaves unchanged (most classes, most applies) is parsed
// once, and one process serving several databases (tests do) never confuses two.
const preparsed = new Set<string>();

const preparse = (policies: Record<string, string>): string => {
  const id = `set-${createHash('sha256').update(JSON.stringify(Object.entries(policies).sort(([a], [b]) => (a < b ? -1 : 1)))).digest('hex').slice(0, 24)}`;
  if (preparsed.has(id)) return id;
  const answer = cedar.preparsePolicySet(id, { staticPolicies: policies });
  if (answer.type !== 'success') throw new TrustplaneError('INTERNAL', `the compiled policies do not parse: ${describe(answer.errors)}`);
  preparsed.add(id);
  return id;
};

/**
 * Splits the policies by the resources they can apply to and pre-parses one set per class (the policies
 * for every resource, the class's own, and the delegations that cover it), one per playbook, and one for
 * everything else. A Cedar call costs a few microseconds for every policy in its set, so a decision on one class
 * never pays for the other classes' policies (docs/benchmarks.md).
 */
type PolicySets = { outside: string; byClass: Map<string, string>; byPlaybook: Map<string, string> };

const partition = (policies: Record<string, string>, origins: Record<string, PolicyOrigin>, classIds: readonly string[]): PolicySets => {
  const everywhere: Record<string, string> = {};
  const byClass = new Map<string, Record<string, string>>(classIds.map((id) => [id, {}]));
  const inEveryClass: Record<string, string> = {};
  const byPlaybook = new Map<string, Record<string, string>>();
  for (const [id, text] of Object.entries(policies)) {
    const scope = origins[id]?.scope ?? 'everywhere';
    if (scope === 'everywhere') everywhere[id] = text;
    else if ('playbook' in scope) byPlaybook.set(scope.playbook, { ...byPlaybook.get(scope.playbook), [id]: text });
    else if (scope.includes('*')) inEveryClass[id] = text;
    else {
      for (const classId of scope) {
        const own = byClass.get(classId);
        if (own !== undefined) own[id] = text;
      }
    }
  }
  return {
    outside: preparse(everywhere),
    byClass: new Map([...byClass].map(([classId, own]) => [classId, preparse({ ...everywhere, ...inEveryClass, ...own })])),
    byPlaybook: new Map([...byPlaybook].map(([playbookId, own]) => [playbookId, preparse({ ...everywhere, ...own })])),
  };
};

/** Compiles and pre-parses one governance version (validated when it was applied: see checkGovernancePolicies). */
export const compileGovernance = (version: number, governance: Governance): CompiledGovernance => {
  const compiled = compileGovernancePolicies(governance);
  const own = organisationPolicies(governance);
  const policies = { ...compiled.policies, ...own.policies };
  const origins = { ...compiled.origins, ...own.origins };
  const sets = partition(policies, origins, governance.classes.map((entry) => entry.id));
  const policySetFor = (resource: AuthzResource): string => {
    const classId = resourceClassOf(resource);
    if (classId !== null) return sets.byClass.get(classId) ?? sets.outside;
    return resource.type === 'playbook' ? sets.byPlaybook.get(resource.id) ?? sets.outside : sets.outside;
  };
  return { version, model: createAuthzModel(governance), origins, policies, policySetFor };
};

export const decide = (compiled: CompiledGovernance, query: AuthzQuery, revoked: ReadonlyMap<string, DelegationRevocation>): CedarDecision => {
  const request = buildCedarRequest(compiled.model, query, revoked);
  const answer = cedar.statefulIsAuthorized({
    principal: request.principal,
    action: request.action,
    resource: request.resource,
    context: request.context,
    entities: request.entities,
    preparsedPolicySetId: compiled.policySetFor(query.resource),
    validateRequest: false,
  });
  if (answer.type !== 'success') return { allowed: false, policies: [], errors: answer.errors.map((error) => error.message) };
  const { decision, diagnostics } = answer.response;
  return {
    allowed: decision === 'allow',
    policies: diagnostics.reason.map((id) => ({ id, origin: compiled.origins[id] ?? { effect: 'permit', scope: 'everywhere', source: 'unknown', because: id } })),
    errors: diagnostics.errors.map((error) => `${error.policyId}: ${error.error.message}`),
  };
};
