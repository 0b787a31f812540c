// The Cedar schema of Trustplane's decisions (DESIGN.md, Authorization: Cedar). Principals carry their
// governance reference (`person:carol`) and the person behind them (a service account's or an agent's
// owner), so that separation-of-duties policies compare the acting person with the people behind the
// principals a change records, whatever their entity type.
import { governedActions } from '../governance/governance-vocabulary.ts';
import type { GovernedAction } from '../governance/governance-vocabulary.ts';

export const cedarNamespace = 'Trustplane';

/** The steps of a change; each exists once per lifecycle action, e.g. `approve-revoke`, and as a group, `approve`. */
export const changeSteps = ['request', 'approve', 'reject', 'execute', 'verify', 'cancel'] as const;
export type ChangeStep = (typeof changeSteps)[number];

/** Actions that are not steps of a change. */
export const otherActions = ['invoke-playbook', 'complete-review', 'revoke-delegation', 'create-token', 'reveal-secret', 'acknowledge-alert', 'read', 'import', 'administer'] as const;
export type OtherAction = (typeof otherActions)[number];

export type StepAction = `${ChangeStep}-${GovernedAction}`;
export type AuthzAction = StepAction | OtherAction;

export const stepAction = (step: ChangeStep, action: GovernedAction): StepAction => `${step}-${action}`;

export const authzActions: readonly AuthzAction[] = [
  ...changeSteps.flatMap((step) => governedActions.map((action) => stepAction(step, action))),
  ...otherActions,
];

const actionPattern = new RegExp(`^(${changeSteps.join('|')})-(${governedActions.join('|')})$`);

export const parseStepAction = (action: string): { step: ChangeStep; action: GovernedAction } | null => {
  const match = actionPattern.exec(action);
  return match === null ? null : { step: match[1] as ChangeStep, action: match[2] as GovernedAction };
};

export const isAuthzAction = (value: string): value is AuthzAction => (authzActions as readonly string[]).includes(value);

/** Entity types by what they are; principals first. */
export const entityTypes = {
  organization: 'Organization',
  team: 'Team',
  person: 'Person',
  serviceAccount: 'ServiceAccount',
  agent: 'Agent',
  system: 'System',
  governance: 'Governance',
  class: 'Class',
  credential: 'Credential',
  change: 'Change',
  playbook: 'Playbook',
  review: 'Review',
  alert: 'Alert',
  delegation: 'Delegation',
  tokenGrant: 'TokenGrant',
} as const;

const principalTypes = 'Person, ServiceAccount, Agent, System';

const stepResources: Record<ChangeStep, string> = {
  request: 'Class',
  approve: 'Change', reject: 'Change', execute: 'Change', verify: 'Change', cancel: 'Change',
};

const actionDeclarations = (): string[] => [
  ...changeSteps.map((step) => `  action "${step}";`),
  ...changeSteps.flatMap((step) => governedActions.map((action) =>
    `  action "${stepAction(step, action)}" in ["${step}"] appliesTo { principal: [${principalTypes}], resource: [${stepResources[step]}], context: RequestContext };`)),
  `  action "invoke-playbook" appliesTo { principal: [${principalTypes}], resource: [Playbook], context: RequestContext };`,
  `  action "complete-review" appliesTo { principal: [${principalTypes}], resource: [Review], context: RequestContext };`,
  `  action "revoke-delegation" appliesTo { principal: [${principalTypes}], resource: [Delegation], context: RequestContext };`,
  `  action "create-token" appliesTo { principal: [${principalTypes}], resource: [TokenGrant], context: RequestContext };`,
  `  action "reveal-secret" appliesTo { principal: [${principalTypes}], resource: [Credential], context: RequestContext };`,
  `  action "acknowledge-alert" appliesTo { principal: [${principalTypes}], resource: [Alert], context: RequestContext };`,
  `  action "read" appliesTo { principal: [${principalTypes}], resource: [Governance, Class, Credential, Change, Playbook, Review, Delegation], context: RequestContext };`,
  `  action "import" appliesTo { principal: [${principalTypes}], resource: [Governance], context: RequestContext };`,
  `  action "administer" appliesTo { principal: [${principalTypes}], resource: [Governance], context: RequestContext };`,
];

/**
 * The context of every request. `openDelegations` holds the delegations of the principal's organization
 * that are live and inside a window at the time of the decision; `delegatedHere` says whether one of them
 * covers this class and action. The playbook fields describe an invocation and are empty otherwise.
 */
export const cedarSchema = [
  `namespace ${cedarNamespace} {`,
  '  type RequestContext = {',
  '    readOnly: Bool,',
  '    openDelegations: Set<String>,',
  '    delegatedHere: Bool,',
  '    lifecycleAction: String,',
  '    trigger: String,',
  '    classes: Set<String>,',
  '    credentialCount: Long,',
  '  };',
  '  entity Organization = { partner: Bool };',
  '  entity Team in [Organization];',
  '  entity Person in [Team, Organization] = { ref: String, person: String, partner: Bool };',
  '  entity ServiceAccount in [Team, Organization] = { ref: String, person: String, partner: Bool };',
  '  entity Agent in [Organization] = { ref: String, person: String, partner: Bool };',
  '  entity System = { ref: String, person: String, partner: Bool };',
  '  entity Governance;',
  '  entity Class in [Governance];',
  // revealTo: who may still see the credential's secret half (a generated key or secret value), once.
  '  entity Credential in [Class] = { revealTo?: Set<String> };',
  // Who took each duty so far, as principals and as the people behind them (separation-of-duties.ts).
  '  entity Change in [Class] = { lifecycleAction: String, requester: String, approvers: Set<String>, executor?: String, preApproved: Bool, orderedBy?: String,',
  '    requesterPeople: Set<String>, approverPeople: Set<String>, executorPeople: Set<String>, orderedByPeople: Set<String> };',
  '  entity Playbook in [Governance];',
  '  entity Review in [Class] = { accountable: String, executor: String, executorPeople: Set<String> };',
  // An alert: who it was routed to, and who hears of it on escalation (person refs).
  '  entity Alert in [Class] = { recipients: Set<String>, escalateTo: Set<String> };',
  '  entity Delegation in [Governance] = { grantedBy: String, partner: String };',
  // A token about to be created: for whom, who owns that principal (service accounts and agents), and
  // whether it only reads. A full token carries its principal's authority, so who may mint one matters.
  '  entity TokenGrant in [Governance] = { principal: String, owner: String, readOnly: Bool };',
  ...actionDeclarations(),
  '}',
].join('\n');

export const cedarType = (type: string): string => `${cedarNamespace}::${type}`;
export const cedarAction = (action: string): string => `${cedarNamespace}::Action::${JSON.stringify(action)}`;
export const cedarEntity = (type: string, id: string): string => `${cedarNamespace}::${type}::${JSON.stringify(id)}`;
