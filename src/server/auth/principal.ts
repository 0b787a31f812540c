// Who is acting. Governance declares people, service accounts and agents; `system:*` principals are
// Trustplane's own (the bootstrap administrator made by `init`, and later the automation principal).
import { idPattern } from '../../core/governance/index.ts';

export const principalKinds = ['person', 'service-account', 'agent', 'system'] as const;
export type PrincipalKind = (typeof principalKinds)[number];

/**
 * What a token lets its principal do: `full` is everything governance grants the principal (Cedar decides
 * each request); `read-only` only reads, whatever the principal could do otherwise.
 */
export const tokenScopes = ['full', 'read-only'] as const;
export type TokenScope = (typeof tokenScopes)[number];

export type PrincipalRef = { kind: PrincipalKind; id: string };
export type Principal = PrincipalRef & { ref: string; scope: TokenScope; tokenId: string };

/** `kind:id` of an acting principal, with ids as governance writes them (also in the OpenAPI document). */
export const principalRefPattern = new RegExp(`^(?:${principalKinds.join('|')}):${idPattern.source.slice(1)}`);

/** An acting principal, `kind:id`, with ids as governance writes them. */
export const parsePrincipalRef = (text: string): PrincipalRef | null => {
  const colon = text.indexOf(':');
  const kind = principalKinds.find((candidate) => candidate === text.slice(0, colon));
  const id = text.slice(colon + 1);
  return colon < 0 || kind === undefined || !idPattern.test(id) ? null : { kind, id };
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
