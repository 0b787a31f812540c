// Whether a class's policy allows issuing what was asked. Each problem names the policy field it comes
// from, so whoever reads the refusal knows which line of governance.yaml to look at (or to change).
import { formatDuration, parseDuration } from '../duration.ts';
import type { ClassPolicy } from '../governance/governance-model.ts';
import { globMatches } from '../governance/name-glob.ts';

export type IssuanceRequest = {
  /** Named as policy names key algorithms ('ECDSA-P256', 'RSA-2048', …; see csr.ts). */
  keyAlgorithm: string;
  /** Prefixed dns:, ip:, uri:, email:. */
  sans: readonly string[];
  notBefore: Date;
  notAfter: Date;
  sourceId: string;
};

const quoteList = (items: readonly string[]): string => items.join(', ');

const lifetimeProblems = (policy: ClassPolicy, request: IssuanceRequest): string[] => {
  const lifetime = request.notAfter.getTime() - request.notBefore.getTime();
  if (!(lifetime > 0)) return [`notAfter ${request.notAfter.toISOString()} is not after notBefore ${request.notBefore.toISOString()}`];
  if (policy.maxLifetime === undefined) return [];
  const max = parseDuration(policy.maxLifetime);
  if (!max.ok) return [`policy.maxLifetime ${policy.maxLifetime} cannot be read: ${max.message}`];
  return lifetime > max.ms ? [`policy.maxLifetime is ${policy.maxLifetime} but ${formatDuration(lifetime)} was asked`] : [];
};

const keyAlgorithmProblems = (policy: ClassPolicy, request: IssuanceRequest): string[] => {
  const allowed: readonly string[] | undefined = policy.keyAlgorithms;
  if (allowed === undefined || allowed.includes(request.keyAlgorithm)) return [];
  return [`policy.keyAlgorithms allows ${quoteList(allowed)} but the key is ${request.keyAlgorithm}`];
};

// allowedNames are DNS name globs: an IP address, URI or email address cannot be matched against them,
// so with allowedNames set those are refused rather than let through unchecked.
const nameProblems = (policy: ClassPolicy, request: IssuanceRequest): string[] => {
  const globs = policy.allowedNames;
  if (globs === undefined) return [];
  return request.sans.flatMap((san) => {
    if (!san.startsWith('dns:')) {
      return [`policy.allowedNames is set, so only DNS names may be asked for; ${san} is not a DNS name and cannot be checked against it`];
    }
    const name = san.slice('dns:'.length);
    return globs.some((glob) => globMatches(glob, name)) ? [] : [`${san} matches none of policy.allowedNames (${quoteList(globs)})`];
  });
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
  ...nameProblems(policy, request),
  ...sourceProblems(policy, request),
];
