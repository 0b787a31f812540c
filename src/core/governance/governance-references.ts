// Every place governance.yaml names another declared thing, with the authority the reference confers.
// Rules read this one list, so a new reference field is checked everywhere once it is added here.
import { governedActions } from './governance-vocabulary.ts';
import type { ReferenceKind } from './governance-directory.ts';
import type { DecisionRight, Governance, GovernancePath } from './governance-model.ts';
import { parsePrincipalRef } from './principal-ref.ts';

/** Roles that only a customer principal may hold (DESIGN.md, Separation of duties). */
export type AuthorityRole = 'businessOwner' | 'technicalOwner' | 'accountable' | 'approver' | 'verifier' | 'responder' | 'grantor' | 'administrator';

export type GovernanceReference = { path: GovernancePath; kind: ReferenceKind; id: string; role?: AuthorityRole };

const principal = (path: GovernancePath, text: string, role?: AuthorityRole): GovernanceReference[] => {
  const ref = parsePrincipalRef(text);
  if (ref === null) return [];
  return [role === undefined ? { path, ...ref } : { path, ...ref, role }];
};

const principals = (path: GovernancePath, texts: readonly string[], role?: AuthorityRole): GovernanceReference[] =>
  texts.flatMap((text, index) => principal([...path, index], text, role));

const plain = (path: GovernancePath, kind: ReferenceKind, ids: readonly string[] | undefined): GovernanceReference[] =>
  (ids ?? []).flatMap((id, index) => (id === '*' ? [] : [{ path: [...path, index], kind, id }]));

const decisionRightReferences = (path: GovernancePath, right: DecisionRight): GovernanceReference[] => [
  ...principals([...path, 'responsible'], right.responsible),
  ...principal([...path, 'accountable'], right.accountable, 'accountable'),
  ...principals([...path, 'consulted'], right.consulted),
  ...principals([...path, 'informed'], right.informed),
  ...principals([...path, 'approvers'], right.approvers, 'approver'),
  ...(right.verifier === undefined ? [] : principal([...path, 'verifier'], right.verifier, 'verifier')),
];

export const governanceReferences = (governance: Governance): GovernanceReference[] => [
  ...governance.people.flatMap((person, i) => [
    { path: ['people', i, 'org'], kind: 'org' as const, id: person.org },
    ...plain(['people', i, 'teams'], 'team', person.teams),
  ]),
  ...governance.serviceAccounts.flatMap((account, i) => [
    { path: ['serviceAccounts', i, 'org'], kind: 'org' as const, id: account.org },
    ...principal(['serviceAccounts', i, 'owner'], account.owner),
    ...plain(['serviceAccounts', i, 'teams'], 'team', account.teams),
  ]),
  ...governance.agents.flatMap((agent, i) => [
    { path: ['agents', i, 'org'], kind: 'org' as const, id: agent.org },
    ...principal(['agents', i, 'owner'], agent.owner),
  ]),
  ...governance.sources.flatMap((source, i) => principal(['sources', i, 'operatedBy'], source.operatedBy)),
  ...governance.workloads.flatMap((workload, i) => principal(['workloads', i, 'owner'], workload.owner)),
  ...governance.classes.flatMap((credentialClass, i) => {
    const path = ['classes', i];
    return [
      ...principal([...path, 'businessOwner'], credentialClass.businessOwner, 'businessOwner'),
      ...principal([...path, 'technicalOwner'], credentialClass.technicalOwner, 'technicalOwner'),
      ...plain([...path, 'policy', 'allowedSources'], 'source', credentialClass.policy.allowedSources),
      ...plain([...path, 'match', 'sources'], 'source', credentialClass.match?.sources),
      ...governedActions.flatMap((action) => {
        const right = credentialClass.decisionRights[action];
        return right === undefined ? [] : decisionRightReferences([...path, 'decisionRights', action], right);
      }),
      ...(credentialClass.verifier === undefined ? [] : principal([...path, 'verifier'], credentialClass.verifier, 'verifier')),
    ];
  }),
  ...governance.delegations.flatMap((delegation, i) => [
    ...principal(['delegations', i, 'to'], delegation.to),
    ...plain(['delegations', i, 'classes'], 'class', delegation.classes),
    ...principal(['delegations', i, 'grantedBy'], delegation.grantedBy, 'grantor'),
  ]),
  ...governance.playbooks.flatMap((playbook, i) => [
    ...plain(['playbooks', i, 'classes'], 'class', playbook.classes),
    ...principals(['playbooks', i, 'responders'], playbook.responders, 'responder'),
  ]),
  ...principals(['administrators'], governance.administrators, 'administrator'),
];
