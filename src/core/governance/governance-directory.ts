// What a governance model declares, indexed for rules: which ids exist per kind, and which organization
// each principal belongs to.
import type { Governance, Partner } from './governance-model.ts';
import type { PrincipalKind } from './governance-vocabulary.ts';

export type ReferenceKind = PrincipalKind | 'source' | 'class';

export type GovernanceDirectory = {
  customerId: string;
  declared: Record<ReferenceKind, ReadonlySet<string>>;
  /** The partner a principal belongs to (org:globex itself, or one of its people, service accounts, agents). */
  partnerOf: (kind: ReferenceKind, id: string) => Partner | null;
};

export const referenceKindWords: Record<ReferenceKind, string> = {
  person: 'person', team: 'team', org: 'organization', 'service-account': 'service account', agent: 'agent', source: 'source', class: 'class',
};

const ids = (entries: readonly { id: string }[]): Set<string> => new Set(entries.map((entry) => entry.id));

/** Organization by principal id; the first declaration wins, as a duplicate is reported on its own. */
const orgById = (entries: readonly { id: string; org: string }[]): Map<string, string> => {
  const orgs = new Map<string, string>();
  for (const entry of entries) if (!orgs.has(entry.id)) orgs.set(entry.id, entry.org);
  return orgs;
};

export const createGovernanceDirectory = (governance: Governance): GovernanceDirectory => {
  const partners = new Map(governance.partners.toReversed().map((partner) => [partner.id, partner]));
  const orgOf: Partial<Record<ReferenceKind, Map<string, string>>> = {
    person: orgById(governance.people),
    'service-account': orgById(governance.serviceAccounts),
    agent: orgById(governance.agents),
  };
  return {
    customerId: governance.organization.id,
    declared: {
      person: ids(governance.people),
      team: ids(governance.teams),
      org: new Set([governance.organization.id, ...partners.keys()]),
      'service-account': ids(governance.serviceAccounts),
      agent: ids(governance.agents),
      source: ids(governance.sources),
      class: ids(governance.classes),
    },
    partnerOf: (kind, id) => {
      const org = kind === 'org' ? id : orgOf[kind]?.get(id);
      return org === undefined || org === governance.organization.id ? null : partners.get(org) ?? null;
    },
  };
};
