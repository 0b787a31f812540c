// Whether a class's policy allows a certificate: asked for at request, issued by the CA, or handed over
// by a connector at execution. One definition for all three, so what is approved is what is recorded.
// Each problem names the policy field (or the rule) it comes from, so whoever reads the refusal knows
// which line of governance.yaml to look at (or to change).
import { formatDuration, parseDuration } from '../duration.ts';
import type { ClassPolicy } from '../governance/governance-model.ts';
import { globMatches } from '../governance/name-glob.ts';

export type IssuanceRequest = {
  /** Named as policy names key algorithms ('ECDSA-P256', 'RSA-2048', …; see csr.ts); null for a secret, which has no key. */
  keyAlgorithm: string | null;
  /**
   * Prefixed dns:, ip:, uri:, email:; null when they are not known yet (a request that keeps the names
   * of the certificate it replaces), so that only the other fields are checked.
   */
  sans: readonly string[] | null;
  /** The subject's common name, if it has one. */
  commonName?: string | null;
  /** Null when the credential states no validity (a secret without an expiry), so no lifetime is checked. */
  notBefore: Date | null;
  notAfter: Date | null;
  sourceId: string;
};

const quoteList = (items: readonly string[]): string => items.join(', ');

const lifetimeProblems = (policy: ClassPolicy, request: IssuanceRequest): string[] => {
  if (request.notBefore === null || request.notAfter === null) return [];
  const lifetime = request.notAfter.getTime() - request.notBefore.getTime();
  if (!(lifetime > 0)) return [`notAfter ${request.notAfter.toISOString()} is not after notBefore ${request.notBefore.toISOString()}`];
  if (policy.maxLifetime === undefined) return [];
  const max = parseDuration(policy.maxLifetime);
  if (!max.ok) return [`policy.maxLifetime ${policy.maxLifetime} cannot be read: ${max.message}`];
  return lifetime > max.ms ? [`policy.maxLifetime is ${policy.maxLifetime} but ${formatDuration(lifetime)} was asked`] : [];
};

const keyAlgorithmProblems = (policy: ClassPolicy, request: IssuanceRequest): string[] => {
  const allowed: readonly string[] | undefined = policy.keyAlgorithms;
  if (allowed === undefined || request.keyAlgorithm === null || allowed.includes(request.keyAlgorithm)) return [];
  return [`policy.keyAlgorithms allows ${quoteList(allowed)} but the key is ${request.keyAlgorithm}`];
};

/** `*.example.com`: a wildcard is only ever the whole leftmost label (RFC 6125 §6.4.3 as CAs issue it). */
const isWildcard = (name: string): boolean => name.startsWith('*.') && !name.slice(2).includes('*');

// A wildcard certificate is allowed only explicitly: an allowedNames entry that is that very wildcard
// name. A glob is a pattern over the names of single hosts, so `*.svc.example` allows
// `api.svc.example` and — being spelled the same — the wildcard `*.svc.example`, but `**.example`
// never allows a wildcard below it. Without allowedNames no wildcard is allowed.
const wildcardProblem = (policy: ClassPolicy, san: string, name: string): string[] => {
  if (!isWildcard(name)) return [`${san} has a "*" that is not the whole leftmost label; a wildcard name is written *.example.com`];
  const globs = policy.allowedNames;
  if (globs?.some((glob) => glob.toLowerCase() === name.toLowerCase()) === true) return [];
  return [`${san} is a wildcard name, which a class allows only explicitly: policy.allowedNames must list "${name}" itself${globs === undefined ? ' (it is not set)' : ` (it lists ${quoteList(globs)})`}`];
};

// allowedNames are DNS name globs: an IP address, URI or email address cannot be matched against them,
// so with allowedNames set those are refused rather than let through unchecked.
const nameProblems = (policy: ClassPolicy, request: IssuanceRequest): string[] => {
  const globs = policy.allowedNames;
  return (request.sans ?? []).flatMap((san) => {
    const name = san.startsWith('dns:') ? san.slice('dns:'.length) : null;
    if (name !== null && name.includes('*')) return wildcardProblem(policy, san, name);
    if (globs === undefined) return [];
    if (name === null) {
      return [`policy.allowedNames is set, so only DNS names may be asked for; ${san} is not a DNS name and cannot be checked against it`];
    }
    return globs.some((glob) => globMatches(glob, name)) ? [] : [`${san} matches none of policy.allowedNames (${quoteList(globs)})`];
  });
};

/** DNS names compare without case, as DNS does; other names as written. */
const sanKey = (san: string): string => (san.startsWith('dns:') ? san.toLowerCase() : san);

// A certificate names its hosts in subjectAltName; relying parties ignore the common name when SANs are
// present (RFC 6125 §6.4.4), so a common name outside them would claim a name nobody approved.
const shapeProblems = (request: IssuanceRequest): string[] => {
  const { sans } = request;
  if (sans === null) return [];
  if (sans.length === 0) return ['the certificate would carry no subjectAltName; it must name at least one DNS name'];
  const seen = new Set<string>();
  const twice = new Set<string>();
  for (const san of sans) {
    const key = sanKey(san);
    if (seen.has(key)) twice.add(san);
    seen.add(key);
  }
  const problems = [...twice].map((san) => `${san} is asked for more than once; name each once`);
  const commonName = request.commonName ?? null;
  if (commonName !== null && !sans.some((san) => san.slice(san.indexOf(':') + 1).toLowerCase() === commonName.toLowerCase())) {
    problems.push(`the common name "${commonName}" is not among the subjectAltNames (${quoteList(sans)}); add it to them, or leave it out of the subject`);
  }
  return problems;
};

const sourceProblems = (policy: ClassPolicy, request: IssuanceRequest): string[] => {
  const sources = policy.allowedSources;
  if (sources === undefined || sources.includes(request.sourceId)) return [];
  return [`policy.allowedSources allows ${quoteList(sources)} but the request came from source ${request.sourceId}`];
};

/** Problems in plain words, one per violated policy field (one per refused name); empty when allowed. */
export const checkIssuancePolicy = (policy: ClassPolicy, request: IssuanceRequest): string[] => [
  ...lifetimeProblems(policy, request),
  ...keyAlgorithmProblems(policy, request),
  ...shapeProblems(request),
  ...nameProblems(policy, request),
  ...sourceProblems(policy, request),
];
