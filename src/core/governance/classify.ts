// Puts imported trust material into a credential class: the first class, in file order, whose kinds
// include the credential's kind and whose every `match` rule holds. A class without `match` is only
// ever chosen by hand.
//   issuers: one of them occurs in the issuer DN (case-insensitive);
//   names:   one pattern (name-glob.ts) matches the subject CN, a DNS SAN, or the credential's name;
//   sources: the credential came from one of them.
import type { ClassMatch, CredentialClass } from './governance-model.ts';
import { globMatches } from './name-glob.ts';

export { globMatches } from './name-glob.ts';

export type ClassificationFacts = {
  kind: string;
  name: string;
  /** RFC 4514 DN, e.g. "CN=api.acme.example, O=Acme". */
  subject?: string;
  issuer?: string;
  /** SANs as inventory writes them ("dns:api.acme.example", "ip:10.0.0.1"); unprefixed entries count as DNS names. */
  sans?: readonly string[];
  source?: string;
};

const commonNamePattern = /(?:^|[,+/;]\s*)CN\s*=\s*((?:\\.|[^,+/;\\])*)/i;
const sanTypePrefix = /^(dns|ip|email|uri|rid|othername):/i;

/** The common name in an RFC 4514 DN ("CN=api.acme.example, O=Acme"), unescaped; null without one. */
export const commonNameOf = (subject: string | undefined): string | null => {
  const value = subject === undefined ? undefined : commonNamePattern.exec(subject)?.[1];
  return value === undefined ? null : value.trim().replace(/\\(.)/g, '$1');
};

const dnsNames = (sans: readonly string[] | undefined): string[] => (sans ?? []).flatMap((san) => {
  const prefix = sanTypePrefix.exec(san)?.[1];
  if (prefix === undefined) return [san];
  return prefix.toLowerCase() === 'dns' ? [san.slice(prefix.length + 1)] : [];
});

const matches = (match: ClassMatch, facts: ClassificationFacts): boolean => {
  // Cheapest rule first: most credentials are ruled out by their source before any name is matched.
  if (match.sources !== undefined && (facts.source === undefined || !match.sources.includes(facts.source))) return false;
  if (match.issuers !== undefined) {
    const issuer = facts.issuer?.toLowerCase();
    if (issuer === undefined || !match.issuers.some((needle) => issuer.includes(needle.toLowerCase()))) return false;
  }
  if (match.names !== undefined) {
    const cn = commonNameOf(facts.subject);
    const names = [...(cn === null ? [] : [cn]), ...dnsNames(facts.sans), facts.name];
    if (!match.names.some((pattern) => names.some((name) => globMatches(pattern, name)))) return false;
  }
  return true;
};

/** The id of the class the credential falls into, or null when no class claims it. */
export const classifyCredential = (classes: readonly CredentialClass[], facts: ClassificationFacts): string | null =>
  classes.find((credentialClass) =>
    credentialClass.match !== undefined
    && (credentialClass.kinds as readonly string[]).includes(facts.kind)
    && matches(credentialClass.match, facts))?.id ?? null;
