// What governance and the class policy say about a change, beyond the certificate it describes: the
// workload it serves must be declared, and a built-in CA it draws on must exist. Checked when the change
// is requested, so approvers never approve what execution would refuse, and again when a connector's
// outcome is recorded (produced-credential-policy.ts), with these same functions.
import type { CredentialClass, Governance, GovernedAction } from '../governance/index.ts';
import type { CertificateRequestFacts } from '../pki/csr.ts';
import { certificateRequestProblems } from './change-spec.ts';
import type { ChangeSpec } from './change-spec.ts';

/** What the checks need to know beyond governance: which built-in CA sources have a CA to sign with. */
export type PolicyFacts = {
  governance: Pick<Governance, 'sources' | 'workloads'>;
  /** Sources that have an issuing CA in the CA store. */
  sourcesWithCa: ReadonlySet<string>;
};

/** The workload a new credential serves must be one governance declares, and still in service. */
export const workloadProblems = (facts: PolicyFacts, workload: string | undefined): string[] => {
  if (workload === undefined) return [];
  const declared = facts.governance.workloads.find((entry) => entry.id === workload);
  if (declared === undefined) return [`spec.workload ${workload} is not a workload declared in governance; declare it under workloads, or name one that is`];
  if (declared.lifecycle === 'decommissioned') return [`spec.workload ${workload} is decommissioned, so a new credential for it would serve nothing`];
  return [];
};

/** A built-in CA source without a CA can sign nothing; `where` says which field named the source, if one did. */
export const builtinCaProblems = (facts: PolicyFacts, sourceId: string, where: string | null): string[] => {
  const prefix = where === null ? '' : `${where}: `;
  const source = facts.governance.sources.find((entry) => entry.id === sourceId);
  if (source === undefined) return [`${prefix}source ${sourceId} is not a source declared in governance`];
  if (source.kind !== 'builtin_ca' || facts.sourcesWithCa.has(sourceId)) return [];
  return [`${prefix}source ${sourceId} is a built-in CA source that has no CA yet, so nothing can be signed by it; create its CA first (ca create ${sourceId})`];
};

/**
 * The source a change draws on, when it names one: spec.source; else, for an issue of certificates, the
 * first built-in CA source in policy.allowedSources, as the built-in CA connector chooses it.
 */
const drawnSources = (facts: PolicyFacts, action: GovernedAction, credentialClass: CredentialClass, spec: ChangeSpec): { sourceId: string; where: string }[] => {
  if (spec.source !== undefined) return [{ sourceId: spec.source, where: 'spec.source' }];
  if (action !== 'issue' || !credentialClass.kinds.includes('x509_certificate')) return [];
  const builtIn = (credentialClass.policy.allowedSources ?? [])
    .find((id) => facts.governance.sources.some((source) => source.id === id && source.kind === 'builtin_ca'));
  return builtIn === undefined ? [] : [{ sourceId: builtIn, where: 'policy.allowedSources' }];
};

export type RequestPolicyInput = {
  action: GovernedAction;
  credentialClass: CredentialClass;
  spec: ChangeSpec;
  /** The spec's CSRs as parseCsr read them, or [null] when there is none. */
  csrs: readonly (CertificateRequestFacts | null)[];
  at: Date;
};

/** Every problem with a request, each saying where it comes from; empty when it may be approved. */
export const requestPolicyProblems = (facts: PolicyFacts, input: RequestPolicyInput): string[] => {
  const { credentialClass, spec, csrs, at } = input;
  const certificates = csrs.flatMap((csr, index) => certificateRequestProblems(credentialClass, spec, csr, at)
    .map((problem) => (csrs.length > 1 ? `spec.csrs[${index}]: ${problem}` : problem)));
  return [
    ...workloadProblems(facts, spec.workload),
    ...drawnSources(facts, input.action, credentialClass, spec).flatMap(({ sourceId, where }) => builtinCaProblems(facts, sourceId, where)),
    ...certificates,
  ];
};
