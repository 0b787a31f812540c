// Who is acting. Governance declares people, service accounts and agents; `system:*` principals are
// Trustplane's own (the bootstrap administrator made by `init`, and later the automation principal).

export const principalKinds = ['person', 'service-account', 'agent', 'system'] as const;
export type PrincipalKind = (typeof principalKinds)[number];

export const roles = ['admin', 'reader'] as const;
export type Role = (typeof roles)[number];

export type PrincipalRef = { kind: PrincipalKind; id: string };
export type Principal = PrincipalRef & { ref: string; role: Role; tokenId: string };

const refPattern = /^(person|service-account|agent|system):([a-z0-9][a-z0-9._-]{0,62})$/;

export const parsePrincipalRef = (text: string): PrincipalRef | null => {
  const match = refPattern.exec(text);
  if (!match) return null;
  return { kind: match[1] as PrincipalKind, id: match[2] as string };
};

/** The governance entity kind that declares principals of this kind, or null for Trustplane's own. */
export const principalEntityKind = (kind: PrincipalKind): string | null => {
  switch (kind) {
    case 'person': return 'people';
    case 'service-account': return 'serviceAccounts';
    case 'agent': return 'agents';
    case 'system': return null;
  }
};
