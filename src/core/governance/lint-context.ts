// What the decision-rights lint needs to know beyond the text of governance: the individual people,
// service accounts and agents (actors) a principal reference stands for, whether a reference gives the
// customer someone of its own, and which playbooks may revoke a class's credentials.
import { createGovernanceDirectory, referenceKindWords } from './governance-directory.ts';
import type { GovernanceDirectory } from './governance-directory.ts';
import type { Governance, Playbook } from './governance-model.ts';
import { parsePrincipalRef } from './principal-ref.ts';
import { createPersonBehind } from './person-behind.ts';
import { playbooksFor } from './playbook-scope.ts';
import type { PersonBehind } from './person-behind.ts';

/** One person, service account or agent, written as a reference: `person:kofi`. */
export type Actor = string;

export type LintContext = {
  customerId: string;
  directory: GovernanceDirectory;
  /** person → itself; team → its people and service accounts; org → its people, service accounts and agents. */
  actorsOf: (ref: string) => readonly Actor[];
  /** The customer org, a customer's person, service account or agent, or a team with one of them among its members. */
  isCustomerPrincipal: (ref: string) => boolean;
  /** The person behind an actor: a service account's or agent's owner; a person is themselves. */
  personOf: PersonBehind;
  /** Playbooks that may revoke credentials of the class (they name it or "*", and allow revoke). */
  revokePlaybooks: (classId: string) => readonly Playbook[];
};

/** `person "kofi"`, `service account "ci-deployer"`. */
export const describeActor = (actor: Actor): string => {
  const ref = parsePrincipalRef(actor);
  return ref === null ? actor : `${referenceKindWords[ref.kind]} "${ref.id}"`;
};

const append = (index: Map<string, Actor[]>, key: string, actor: Actor): void => {
  const actors = index.get(key);
  if (actors === undefined) index.set(key, [actor]);
  else if (!actors.includes(actor)) actors.push(actor);
};

export const createLintContext = (governance: Governance): LintContext => {
  const customerId = governance.organization.id;
  const orgOf = new Map<Actor, string>();
  const byOrg = new Map<string, Actor[]>();
  const byTeam = new Map<string, Actor[]>();
  const entries = [
    ...governance.people.map((person) => ({ actor: `person:${person.id}`, org: person.org, teams: person.teams })),
    ...governance.serviceAccounts.map((account) => ({ actor: `service-account:${account.id}`, org: account.org, teams: account.teams })),
    ...governance.agents.map((agent) => ({ actor: `agent:${agent.id}`, org: agent.org, teams: [] })),
  ];
  for (const { actor, org, teams } of entries) {
    // The first declaration wins; a duplicate id is a parse error of its own.
    if (orgOf.has(actor)) continue;
    orgOf.set(actor, org);
    append(byOrg, org, actor);
    for (const team of teams) append(byTeam, team, actor);
  }
  const isCustomerActor = (actor: Actor): boolean => orgOf.get(actor) === customerId;

  const actorsOf = (text: string): readonly Actor[] => {
    const ref = parsePrincipalRef(text);
    if (ref === null) return [];
    switch (ref.kind) {
      case 'team': return byTeam.get(ref.id) ?? [];
      case 'org': return byOrg.get(ref.id) ?? [];
      case 'person':
      case 'service-account':
      case 'agent': return [`${ref.kind}:${ref.id}`];
    }
  };

  const isCustomerPrincipal = (text: string): boolean => {
    const ref = parsePrincipalRef(text);
    if (ref === null) return false;
    switch (ref.kind) {
      case 'org': return ref.id === customerId;
      case 'team': return (byTeam.get(ref.id) ?? []).some(isCustomerActor);
      case 'person':
      case 'service-account':
      case 'agent': return isCustomerActor(`${ref.kind}:${ref.id}`);
    }
  };

  const revokePlaybooks = (classId: string): readonly Playbook[] => playbooksFor(governance.playbooks, classId, 'revoke');

  return { customerId, directory: createGovernanceDirectory(governance), actorsOf, isCustomerPrincipal, personOf: createPersonBehind(governance), revokePlaybooks };
};
