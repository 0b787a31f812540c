// The one place cedar-wasm is called. The schema is parsed once per process and each governance
// version's policy set once (preparsePolicySet), so a decision costs one stateful call with the two
// entities of the request. The organisation's own `policies:` are split, validated against the schema
// in strict mode and added beside the compiled ones; a policy that fails validation refuses the apply.
import { createHash } from 'node:crypto';
import * as cedar from '@cedar-policy/cedar-wasm/nodejs';
import type { DetailedError } from '@cedar-policy/cedar-wasm/nodejs';
import { buildCedarRequest, createAuthzModel } from '../../core/authz/authz-model.ts';
import type { AuthzModel, AuthzQuery, DelegationRevocation } from '../../core/authz/authz-model.ts';
import { cedarSchema } from '../../core/authz/cedar-schema.ts';
import { compileGovernancePolicies } from '../../core/authz/governance-policies.ts';
import type { PolicyOrigin } from '../../core/authz/governance-policies.ts';
import { policyId } from '../../core/governance/index.ts';
import type { Governance } from '../../core/governance/index.ts';
import { TrustplaneError } from '../../core/errors.ts';

const schemaName = 'trustplane';
let schemaParsed = false;

const ensureSchema = (): void => {
  if (schemaParsed) return;
  const answer = cedar.preparseSchema(schemaName, cedarSchema);
  if (answer.type !== 'success') throw new Error(`the built-in Cedar schema does not parse: ${answer.errors.map((error) => error.message).join('; ')}`);
  schemaParsed = true;
};

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
      origins[id] = { effect: /^\s*(@[^\n]*\n\s*)*forbid/.test(policy) ? 'forbid' : 'permit', source: `policies[${index}]`, because: `the organisation's own policy ${id}` };
    });
  });
  return { policies, origins, problems };
};

export type CompiledGovernance = {
  version: number;
  policySetId: string;
  model: AuthzModel;
  origins: Record<string, PolicyOrigin>;
  policies: Record<string, string>;
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

/** Compiles and pre-parses one governance version; throws if the result does not validate (a bug, or a bad own policy). */
export const compileGovernance = (version: number, governance: Governance): CompiledGovernance => {
  ensureSchema();
  const compiled = compileGovernancePolicies(governance);
  const own = organisationPolicies(governance);
  const policies = { ...compiled.policies, ...own.policies };
  const origins = { ...compiled.origins, ...own.origins };
  const validation = cedar.validate({ schema: cedarSchema, policies: { staticPolicies: policies }, validationSettings: { mode: 'strict' } });
  if (validation.type !== 'success') throw new TrustplaneError('INTERNAL', `governance version ${version} does not compile to Cedar: ${describe(validation.errors)}`);
  if (validation.validationErrors.length > 0) {
    throw new TrustplaneError('INTERNAL', `governance version ${version} compiles to Cedar that does not validate`, validation.validationErrors.map((error) => `${error.policyId}: ${error.error.message}`));
  }
  // Named by content as well as version: one process may serve several databases (tests do).
  const policySetId = `governance-${version}-${createHash('sha256').update(JSON.stringify(policies)).digest('hex').slice(0, 16)}`;
  const answer = cedar.preparsePolicySet(policySetId, { staticPolicies: policies });
  if (answer.type !== 'success') throw new TrustplaneError('INTERNAL', `governance version ${version} policies do not parse: ${describe(answer.errors)}`);
  return { version, policySetId, model: createAuthzModel(governance), origins, policies };
};

export const decide = (compiled: CompiledGovernance, query: AuthzQuery, revoked: ReadonlyMap<string, DelegationRevocation>): CedarDecision => {
  const request = buildCedarRequest(compiled.model, query, revoked);
  const answer = cedar.statefulIsAuthorized({
    principal: request.principal,
    action: request.action,
    resource: request.resource,
    context: request.context,
    entities: request.entities,
    preparsedPolicySetId: compiled.policySetId,
    preparsedSchemaName: schemaName,
    validateRequest: false,
  });
  if (answer.type !== 'success') return { allowed: false, policies: [], errors: answer.errors.map((error) => error.message) };
  const { decision, diagnostics } = answer.response;
  return {
    allowed: decision === 'allow',
    policies: diagnostics.reason.map((id) => ({ id, origin: compiled.origins[id] ?? { effect: 'permit', source: 'unknown', because: id } })),
    errors: diagnostics.errors.map((error) => `${error.policyId}: ${error.error.message}`),
  };
};
