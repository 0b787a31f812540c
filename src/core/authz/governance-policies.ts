// Governance compiled into a Cedar policy set (DESIGN.md, Authorization: Cedar). Each policy's id says
// where it came from, and its origin records the governance entry and a sentence for `trustplane can`.
// Decision rights become permits; separation of duties and the partner rules are `forbid` policies that
// no permit, including an organisation's own policies, can override.
import { governedActions } from '../governance/governance-vocabulary.ts';
import type { GovernedAction, PrincipalKind } from '../governance/governance-vocabulary.ts';
import type { CredentialClass, DecisionRight, Delegation, Governance, Playbook } from '../governance/governance-model.ts';
import { createGovernanceDirectory } from '../governance/governance-directory.ts';
import { parsePrincipalRef } from '../governance/principal-ref.ts';
import { playbookCondition } from '../governance/playbook-scope.ts';
import { cedarAction, cedarEntity, cedarType, entityTypes, stepAction } from './cedar-schema.ts';
import type { ChangeStep } from './cedar-schema.ts';
import { dutySteps, separationRules } from '../changes/separation-of-duties.ts';
import type { Duty } from '../changes/separation-of-duties.ts';

/**
 * Which resources a policy can apply to: any, one playbook, or those in the listed classes ("*": in any
 * class). The engine decides each request against only the policies that can apply to its resource,
 * because a Cedar call costs time for every policy in the set it is given.
 */
export type PolicyScope = 'everywhere' | { playbook: string } | readonly string[];

export type PolicyOrigin = {
  effect: 'permit' | 'forbid';
  scope: PolicyScope;
  /** Where in governance.yaml the policy comes from, or `built-in` for the rules nobody can configure away. */
  source: string;
  /** Why the policy exists, in words. */
  because: string;
};

export type CompiledPolicies = {
  policies: Record<string, string>;
  origins: Record<string, PolicyOrigin>;
};

const principalEntityTypes: Record<PrincipalKind, string> = {
  person: entityTypes.person,
  team: entityTypes.team,
  org: entityTypes.organization,
  'service-account': entityTypes.serviceAccount,
  agent: entityTypes.agent,
};

/**
 * Trustplane's own principals: the bootstrap administrator `init` makes; the automation that approves
 * pre-approved standard changes (and files what offboarding orders); the renewal job that requests and
 * executes pre-approved renewals; and the probes that verify what the renewal job executed.
 */
export const systemPrincipals = { bootstrap: 'system:bootstrap', automation: 'system:automation', renewal: 'system:renewal', probes: 'system:probes' } as const;

/** The revocation triggers an offboarding orders; the system principal may request revocations for these only. */
export const offboardingTriggers = ['owner_departed', 'partner_offboarded', 'workload_decommissioned'] as const;

const entityOfRef = (ref: string): string | null => {
  const parsed = parsePrincipalRef(ref);
  return parsed === null ? null : cedarEntity(principalEntityTypes[parsed.kind], parsed.id);
};

const actionList = (actions: readonly string[]): string => `[${actions.map(cedarAction).join(', ')}]`;
const stringSet = (values: readonly string[]): string => `[${values.map((value) => JSON.stringify(value)).join(', ')}]`;

/** `principal in A || principal in B`, or null when nobody is named. */
const principalIn = (refs: readonly string[]): string | null => {
  const entities = [...new Set(refs)].flatMap((ref) => entityOfRef(ref) ?? []);
  return entities.length === 0 ? null : entities.map((entity) => `principal in ${entity}`).join(' || ');
};

const resourceInClasses = (classes: readonly string[]): string =>
  classes.includes('*')
    ? `resource in ${cedarEntity(entityTypes.governance, 'current')}`
    : classes.map((id) => `resource in ${cedarEntity(entityTypes.class, id)}`).join(' || ');

type Builder = {
  add(id: string, origin: PolicyOrigin, text: string): void;
  result(): CompiledPolicies;
};

const createBuilder = (): Builder => {
  const policies: Record<string, string> = {};
  const origins: Record<string, PolicyOrigin> = {};
  return {
    add(id, origin, text) {
      policies[id] = text;
      origins[id] = origin;
    },
    result: () => ({ policies, origins }),
  };
};

const verifierOf = (credentialClass: CredentialClass, right: DecisionRight): string | undefined => right.verifier ?? credentialClass.verifier;

/** Approvers of a decision right: the accountable person and any named approvers. */
export const eligibleApprovers = (right: DecisionRight): string[] => [...new Set([right.accountable, ...right.approvers])];

const compileDecisionRight = (
  builder: Builder, credentialClass: CredentialClass, index: number, action: GovernedAction, right: DecisionRight, isCustomer: (ref: string) => boolean,
): void => {
  const source = `classes[${index}] (${credentialClass.id}).decisionRights.${action}`;
  const inClass = `resource in ${cedarEntity(entityTypes.class, credentialClass.id)}`;
  const permit = (step: ChangeStep | readonly ChangeStep[], refs: readonly string[], because: string, suffix: string): void => {
    const condition = principalIn(refs.filter(isCustomer));
    if (condition === null) return;
    const steps = typeof step === 'string' ? [step] : step;
    const actions = steps.map((name) => stepAction(name, action));
    builder.add(`class.${credentialClass.id}.${action}.${suffix}`, { effect: 'permit', scope: [credentialClass.id], source, because },
      `permit (principal, action in ${actionList(actions)}, resource)\nwhen { ${inClass} && (${condition}) };`);
  };
  const verifier = verifierOf(credentialClass, right);
  const approvers = eligibleApprovers(right);
  permit('request', [
    ...right.responsible, right.accountable, ...right.approvers, ...right.consulted,
    credentialClass.businessOwner, credentialClass.technicalOwner, ...(verifier === undefined ? [] : [verifier]),
  ], `those named in the decision rights for ${action} on ${credentialClass.id}, and its owners, may request it`, 'request');
  permit(['approve', 'reject'], approvers,
    `${approvers.join(', ')} approve${approvers.length === 1 ? 's' : ''} ${action} on ${credentialClass.id}${right.approvals > 1 ? ` (${right.approvals} approvals needed)` : ''}`, 'approve');
  permit('cancel', approvers, `the approvers of ${action} on ${credentialClass.id} may cancel its changes`, 'cancel');
  const executors = right.responsible.filter(isCustomer);
  permit('execute', executors, `${executors.join(', ')} execute${executors.length === 1 ? 's' : ''} ${action} on ${credentialClass.id}`, 'execute');
  if (verifier !== undefined) permit('verify', [verifier], `${verifier} verifies ${action} on ${credentialClass.id}`, 'verify');
  // The approver is the accountable person or a named approver, and the verifier the one governance
  // names (DESIGN.md): bounds that an organisation's own permit cannot widen.
  const only = (steps: readonly ChangeStep[], refs: readonly string[], also: string | null, because: string, suffix: string): void => {
    const allowed = [principalIn(refs.filter(isCustomer)), also].filter((part): part is string => part !== null);
    const actions = steps.map((name) => stepAction(name, action));
    builder.add(`class.${credentialClass.id}.${action}.${suffix}`, { effect: 'forbid', scope: [credentialClass.id], source, because },
      `forbid (principal, action in ${actionList(actions)}, resource)\nwhen { ${inClass} }${allowed.length === 0 ? '' : `\nunless { ${allowed.join(' || ')} }`};`);
  };
  only(['approve', 'reject'], approvers, right.preApproved ? `principal == ${cedarEntity(entityTypes.system, 'automation')}` : null,
    `only ${approvers.join(', ')}${right.preApproved ? ' (or the system principal, pre-approved)' : ''} may approve or reject ${action} on ${credentialClass.id}`, 'only-approvers');
  // A renewal the system carries out itself (pre-approved) is verified by the probes' own principal.
  const automated = right.preApproved && action === 'renew';
  only(['verify'], verifier === undefined ? [] : [verifier], automated ? `principal == ${cedarEntity(entityTypes.system, systemPrincipals.probes.slice('system:'.length))}` : null,
    verifier === undefined ? `nobody is named to verify ${action} on ${credentialClass.id}` : `only ${verifier} may verify ${action} on ${credentialClass.id}`, 'only-verifier');
  if (right.preApproved) {
    builder.add(`class.${credentialClass.id}.${action}.pre-approved`, {
      effect: 'permit', scope: [credentialClass.id], source: `${source}.preApproved`,
      because: `${action} on ${credentialClass.id} is a pre-approved standard change, pre-authorised by ${right.accountable}; the system principal approves it`,
    }, `permit (principal == ${cedarEntity(entityTypes.system, 'automation')}, action == ${cedarAction(stepAction('approve', action))}, resource)\nwhen { ${inClass} };`);
  }
  if (automated) {
    // Automatic renewal (issue 6), four parts for the four duties: the renewal job requests and executes,
    // the system principal approves under the pre-authorisation, and the probes verify; none of them holds
    // two of approve, execute and verify.
    const system = (ref: string): string => cedarEntity(entityTypes.system, ref.slice('system:'.length));
    builder.add(`class.${credentialClass.id}.renew.automatic`, {
      effect: 'permit', scope: [credentialClass.id], source: `${source}.preApproved`,
      because: `renew on ${credentialClass.id} is pre-approved by ${right.accountable}: the renewal job requests and executes renewals inside the renew-before window`,
    }, `permit (principal == ${system(systemPrincipals.renewal)}, action in ${actionList([stepAction('request', 'renew'), stepAction('execute', 'renew')])}, resource)\nwhen { ${inClass} };`);
    builder.add(`class.${credentialClass.id}.renew.probes`, {
      effect: 'permit', scope: [credentialClass.id], source: `${source}.preApproved`,
      because: `renewals on ${credentialClass.id} that the renewal job executed are verified by the probes`,
    }, `permit (principal == ${system(systemPrincipals.probes)}, action == ${cedarAction(stepAction('verify', 'renew'))}, resource)\nwhen { ${inClass} && resource has executor && resource.executor == ${JSON.stringify(systemPrincipals.renewal)} };`);
  }
};

const compileDelegation = (builder: Builder, delegation: Delegation, index: number): void => {
  const id = delegation.id as string;
  const partner = delegation.to.slice('org:'.length);
  const actions = delegation.actions.flatMap((action) => [stepAction('request', action), stepAction('execute', action)]);
  builder.add(`delegation.${id}`, {
    effect: 'permit', scope: delegation.classes, source: `delegations[${index}] (${id})`,
    because: `${delegation.grantedBy} delegated ${delegation.actions.join(', ')} on ${delegation.classes.join(', ')} to partner ${partner}, only while the delegation is live and a change window is open`,
  }, `permit (principal in ${cedarEntity(entityTypes.organization, partner)}, action in ${actionList(actions)}, resource)\nwhen { context.openDelegations.contains(${JSON.stringify(id)}) && (${resourceInClasses(delegation.classes)}) };`);
};

const compilePlaybook = (builder: Builder, playbook: Playbook, index: number, isCustomer: (ref: string) => boolean): void => {
  const responders = principalIn(playbook.responders.filter(isCustomer));
  if (responders === null) return;
  builder.add(`playbook.${playbook.id}`, {
    effect: 'permit', scope: { playbook: playbook.id }, source: `playbooks[${index}] (${playbook.id})`,
    because: `${playbook.responders.join(', ')} may invoke ${playbook.id} for ${playbook.triggers.join(', ')}: ${playbook.actions.join(', ')} on ${playbook.classes.join(', ')}, at most ${playbook.maxCredentials} credentials`,
  }, `permit (principal, action == ${cedarAction('invoke-playbook')}, resource == ${cedarEntity(entityTypes.playbook, playbook.id)})\nwhen { ${playbookCondition(playbook, responders)} };`);
};

const builtIn = (because: string): PolicyOrigin => ({ effect: 'forbid', scope: 'everywhere', source: 'built-in separation of duties', because });

const stepGroup = (step: ChangeStep): string => cedarAction(step);

/** Who holds a duty already, as a condition on the acting person (the rules' first duties). */
const heldBy: Record<Exclude<Duty, 'verifier'>, string> = {
  requester: 'resource.requesterPeople.contains(principal.person)',
  approver: 'resource.approverPeople.contains(principal.person)',
  executor: 'resource.executorPeople.contains(principal.person)',
};

/** The rules of DESIGN.md's "Separation of duties": enforced, never configurable away. */
const compileSeparationOfDuties = (builder: Builder): void => {
  const change = `resource is ${cedarType(entityTypes.change)}`;
  // One forbid per rule of separation-of-duties.ts, on the steps of its later duty, comparing people.
  for (const rule of separationRules) {
    if (rule.first === 'verifier') continue;
    const steps = (rule.on ?? dutySteps[rule.then]).map(stepGroup).join(', ');
    builder.add(`sod.${rule.id}`, builtIn(rule.because),
      `forbid (principal, action in [${steps}], resource)\nwhen { ${change} && ${heldBy[rule.first]} };`);
  }
  builder.add('sod.orderer-approves', builtIn('whoever ordered a change the system filed for them (an offboarding\'s revocations) never approves or rejects it'),
    `forbid (principal, action in [${stepGroup('approve')}, ${stepGroup('reject')}], resource)\nwhen { ${change} && resource.orderedByPeople.contains(principal.person) };`);
  builder.add('sod.executor-reviews', builtIn('whoever executed an emergency change never reviews it'),
    `forbid (principal, action == ${cedarAction('complete-review')}, resource)\nwhen { resource.executorPeople.contains(principal.person) };`);
  builder.add('sod.partner-holds-no-authority', builtIn('a partner never approves, rejects, verifies, invokes a playbook, completes a review, revokes a delegation, imports or administers'),
    `forbid (principal, action in ${actionList(['approve', 'reject', 'verify', 'invoke-playbook', 'complete-review', 'revoke-delegation', 'import', 'administer'])}, resource)\nwhen { principal.partner };`);
  builder.add('sod.partner-only-inside-delegation', builtIn('a partner requests, executes and cancels only what a live delegation allows, inside an open change window'),
    `forbid (principal, action in [${stepGroup('request')}, ${stepGroup('execute')}, ${stepGroup('cancel')}], resource)\nwhen { principal.partner && !context.delegatedHere };`);
  builder.add('sod.system-approves-only-pre-approved', builtIn('the system principal approves only what a policy pre-authorised'),
    `forbid (principal is ${cedarType(entityTypes.system)}, action in ${stepGroup('approve')}, resource)\nwhen { ${change} && !resource.preApproved };`);
  // A full token acts with its principal's authority: nobody else may make one (an organisation's own
  // permit cannot reopen this), except for a service account or agent its owner, and `init`'s bootstrap.
  // A service account or agent never makes its own full token: its owner does, so that a token stops
  // working when the account passes to someone else (the token service asks again at each use).
  builder.add('token.full-only-by-its-principal', { ...builtIn('a full token is made only by the person it is for, or by the owner of the service account or agent it is for'), source: 'built-in' },
    `forbid (principal, action == ${cedarAction('create-token')}, resource)\nwhen { !resource.readOnly }\nunless { (resource.principal == principal.ref && principal is ${cedarType(entityTypes.person)}) || resource.owner == principal.ref || principal == ${cedarEntity(entityTypes.system, 'bootstrap')} };`);
  builder.add('sod.read-only-token', builtIn('a read-only token only reads'),
    `forbid (principal, action, resource)\nwhen { context.readOnly }\nunless { action == ${cedarAction('read')} };`);
};

const compileGeneral = (builder: Builder, governance: Governance, isCustomer: (ref: string) => boolean): void => {
  builder.add('general.read', { effect: 'permit', scope: 'everywhere', source: 'built-in', because: 'every principal known to governance may read' },
    `permit (principal, action == ${cedarAction('read')}, resource);`);
  builder.add('general.requester-cancels', { effect: 'permit', scope: 'everywhere', source: 'built-in', because: 'the requester of a change may cancel it before it is executed' },
    `permit (principal, action in ${stepGroup('cancel')}, resource)\nwhen { resource is ${cedarType(entityTypes.change)} && resource.requester == principal.ref };`);
  builder.add('general.review-accountable', { effect: 'permit', scope: 'everywhere', source: 'built-in', because: 'the accountable person of a class completes the reviews of its emergency changes' },
    `permit (principal, action == ${cedarAction('complete-review')}, resource)\nwhen { resource.accountable == principal.ref };`);
  builder.add('general.grantor-revokes-delegation', { effect: 'permit', scope: 'everywhere', source: 'built-in', because: 'whoever granted a delegation may revoke it' },
    `permit (principal, action == ${cedarAction('revoke-delegation')}, resource)\nwhen { resource.grantedBy == principal.ref };`);
  builder.add('general.bootstrap-administers', { effect: 'permit', scope: 'everywhere', source: 'built-in', because: 'the bootstrap principal made by `trustplane init` administers Trustplane and makes the first tokens' },
    `permit (principal == ${cedarEntity(entityTypes.system, 'bootstrap')}, action in ${actionList(['administer', 'import', 'revoke-delegation', 'create-token'])}, resource);`);
  builder.add('general.own-tokens', { effect: 'permit', scope: 'everywhere', source: 'built-in', because: 'a principal makes its own tokens, and those of the service accounts and agents it owns' },
    `permit (principal, action == ${cedarAction('create-token')}, resource)\nwhen { resource.principal == principal.ref || resource.owner == principal.ref };`);
  builder.add('general.reveal-once', { effect: 'permit', scope: 'everywhere', source: 'built-in', because: 'the requester or executor of the change that made a secret (or generated a key) sees it once' },
    `permit (principal, action == ${cedarAction('reveal-secret')}, resource)\nwhen { resource has revealTo && resource.revealTo.contains(principal.ref) };`);
  // Offboarding (issue 6) orders revocations and cancels what a departed person asked for; the system
  // principal files them, so that the people of the class approve, execute and verify as for any change.
  builder.add('general.system-requests-offboarding-revocations', { effect: 'permit', scope: 'everywhere', source: 'built-in', because: 'an offboarding (by an administrator) has the system principal request the revocations it orders' },
    `permit (principal == ${cedarEntity(entityTypes.system, 'automation')}, action == ${cedarAction('request-revoke')}, resource)\nwhen { ${stringSet(offboardingTriggers)}.contains(context.trigger) };`);
  builder.add('general.system-cancels-for-departed', { effect: 'permit', scope: 'everywhere', source: 'built-in', because: 'when a person or partner is offboarded, the system principal cancels the changes they requested that were not executed' },
    `permit (principal == ${cedarEntity(entityTypes.system, 'automation')}, action in ${stepGroup('cancel')}, resource)\nwhen { ["owner_departed", "partner_offboarded"].contains(context.trigger) };`);
  builder.add('general.alert-recipients', { effect: 'permit', scope: 'everywhere', source: 'built-in', because: 'whoever an alert was routed to (the technical owner, the informed parties, and on escalation the business owner) may acknowledge it' },
    `permit (principal, action == ${cedarAction('acknowledge-alert')}, resource)\nwhen { resource.recipients.contains(principal.ref) || resource.escalateTo.contains(principal.ref) };`);
  const administrators = principalIn(governance.administrators.filter(isCustomer));
  if (administrators !== null) {
    builder.add('governance.administrators', { effect: 'permit', scope: 'everywhere', source: 'administrators', because: `${governance.administrators.join(', ')} administer Trustplane: apply governance, import, manage tokens, revoke delegations` },
      `permit (principal, action in ${actionList(['administer', 'import', 'revoke-delegation'])}, resource)\nwhen { ${administrators} };`);
    // A full token acts with its principal's authority: an administrator who could mint one for anyone
    // could approve a change as themselves and execute it as someone else.
    builder.add('governance.administrators.read-only-tokens', { effect: 'permit', scope: 'everywhere', source: 'administrators', because: `${governance.administrators.join(', ')} make read-only tokens for anyone; a full token only its principal (or the owner of a service account or agent) makes` },
      `permit (principal, action == ${cedarAction('create-token')}, resource)\nwhen { (${administrators}) && resource.readOnly };`);
    builder.add('governance.administrators.alerts', { effect: 'permit', scope: 'everywhere', source: 'administrators', because: `${governance.administrators.join(', ')} may acknowledge any alert` },
      `permit (principal, action == ${cedarAction('acknowledge-alert')}, resource)\nwhen { ${administrators} };`);
  }
};

/** Compiles governance (without the organisation's own `policies:`, which are checked and added by the engine). */
export const compileGovernancePolicies = (governance: Governance): CompiledPolicies => {
  const builder = createBuilder();
  const directory = createGovernanceDirectory(governance);
  const isCustomer = (ref: string): boolean => {
    const parsed = parsePrincipalRef(ref);
    return parsed !== null && directory.partnerOf(parsed.kind, parsed.id) === null;
  };
  compileSeparationOfDuties(builder);
  compileGeneral(builder, governance, isCustomer);
  governance.classes.forEach((credentialClass, index) => {
    for (const action of governedActions) {
      const right = credentialClass.decisionRights[action];
      if (right !== undefined) compileDecisionRight(builder, credentialClass, index, action, right, isCustomer);
    }
  });
  governance.delegations.forEach((delegation, index) => compileDelegation(builder, delegation, index));
  governance.playbooks.forEach((playbook, index) => compilePlaybook(builder, playbook, index, isCustomer));
  return builder.result();
};
