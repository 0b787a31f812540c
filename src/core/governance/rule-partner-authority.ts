// Delegated execution never equals delegated accountability (DESIGN.md): a partner, or anyone who
// belongs to one, never owns a class, approves, verifies, is accountable, responds to a playbook, or
// grants a delegation.
import { createGovernanceDirectory, referenceKindWords } from './governance-directory.ts';
import type { AuthorityRole } from './governance-references.ts';
import { governanceReferences } from './governance-references.ts';
import type { GovernanceRule } from './governance-rule.ts';

const roleWords: Record<AuthorityRole, string> = {
  businessOwner: 'be the business owner',
  technicalOwner: 'be the technical owner',
  accountable: 'be accountable',
  approver: 'be an approver',
  verifier: 'be the verifier',
  responder: 'be a playbook responder',
  grantor: 'grant a delegation',
  administrator: 'administer Trustplane',
};

export const partnersHoldNoAuthority: GovernanceRule = (governance) => {
  const directory = createGovernanceDirectory(governance);
  // Authority reaches partners indirectly too: through the members of a team that holds a role, and
  // through a service account or agent that a partner's person owns.
  const partnerMembers = new Map<string, string[]>();
  for (const [kind, entries] of [['person', governance.people], ['service-account', governance.serviceAccounts]] as const) {
    for (const entry of entries) {
      const partner = directory.partnerOf(kind, entry.id);
      if (partner === null) continue;
      for (const team of entry.teams) partnerMembers.set(team, [...partnerMembers.get(team) ?? [], `${referenceKindWords[kind]} "${entry.id}" of partner "${partner.id}"`]);
    }
  }
  const owners = new Map([...governance.serviceAccounts, ...governance.agents].map((entry) => [entry.id, entry.owner]));
  return governanceReferences(governance).flatMap(({ path, kind, id, role }) => {
    if (role === undefined) return [];
    const partner = directory.partnerOf(kind, id);
    if (partner !== null) {
      const who = kind === 'org'
        ? `organization "${id}" is a partner`
        : `${referenceKindWords[kind]} "${id}" belongs to partner "${partner.id}"`;
      return [{ path, message: `${who} and cannot ${roleWords[role]}` }];
    }
    const members = kind === 'team' ? partnerMembers.get(id) : undefined;
    if (members !== undefined) {
      return [{ path, message: `team "${id}" includes ${members.join(' and ')}, and partners cannot ${roleWords[role]}; take them out of the team or name another` }];
    }
    const owner = kind === 'service-account' || kind === 'agent' ? owners.get(id) : undefined;
    const ownerId = owner?.startsWith('person:') ? owner.slice('person:'.length) : undefined;
    const ownerPartner = ownerId === undefined ? null : directory.partnerOf('person', ownerId);
    if (ownerPartner !== null) {
      return [{ path, message: `${referenceKindWords[kind]} "${id}" is owned by person "${ownerId}" of partner "${ownerPartner.id}" and cannot ${roleWords[role]}` }];
    }
    return [];
  });
};
