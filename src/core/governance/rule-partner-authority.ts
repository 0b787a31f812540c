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
};

export const partnersHoldNoAuthority: GovernanceRule = (governance) => {
  const directory = createGovernanceDirectory(governance);
  return governanceReferences(governance).flatMap(({ path, kind, id, role }) => {
    if (role === undefined) return [];
    const partner = directory.partnerOf(kind, id);
    if (partner === null) return [];
    const who = kind === 'org'
      ? `organization "${id}" is a partner`
      : `${referenceKindWords[kind]} "${id}" belongs to partner "${partner.id}"`;
    return [{ path, message: `${who} and cannot ${roleWords[role]}` }];
  });
};
