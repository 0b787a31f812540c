// What a connector reports it made is checked against the class policy before anything is recorded:
// the manual connector above all, where the executor hands over whatever PEM they like, but every
// connector alike. The certificate rules are those a request is held to (checkIssuancePolicy,
// request-policy.ts), so nothing is recorded that could not have been approved; then what only the
// result shows: which source issued it, and that it is what the change asked for.
//
// The source of a certificate is established, not taken on trust:
//  - signed by the CA of a built-in CA source (its signature verifies): that source;
//  - otherwise the source the connector, the change (spec.source, which the approvers saw) or the
//    credential it replaces names. It may not be a built-in CA source (whose CA did not sign it), and a
//    self-signed certificate comes from no source, so neither satisfies policy.allowedSources;
//  - with policy.allowedSources set, a certificate whose source is not established is refused.
// An external CA's certificates are not on record, so that it signed what the change names as its
// source is attested by the executor and the approvers, not verified here.
//
// A renewal keeps the subject and the names of the certificate it renews. A rotation keeps the names
// too, unless the change asked for others (spec.names or a CSR), which the approvers then saw; its
// subject may change with the new key's CSR. Neither can be checked against the old key: the inventory
// records a certificate's fingerprint, not its public key.
import type { CredentialClass, GovernedAction } from '../governance/index.ts';
import { commonNameOf } from '../governance/classify.ts';
import type { CredentialFacts } from '../inventory/credential-facts.ts';
import { isIssuedBy, isSelfIssued } from '../pki/certificate-issuer.ts';
import { parseCsr } from '../pki/csr.ts';
import { checkIssuancePolicy } from '../pki/issuance-policy.ts';
import type { ChangeSpec } from './change-spec.ts';
import { builtinCaProblems, workloadProblems } from './request-policy.ts';
import type { PolicyFacts } from './request-policy.ts';

/** A credential a renewal or rotation replaces, as the inventory records it. */
export type ReplacedCredential = { id: string; subject: string | null; sans: readonly string[]; sourceId: string | null };

/** What a connector reported it made; `der` is the certificate's bytes, when it is one. */
export type ReportedCredential = { facts: CredentialFacts; der?: Uint8Array };

export type ProducedPolicyInput = {
  action: GovernedAction;
  spec: ChangeSpec;
  credentialClass: CredentialClass;
  replaced: readonly ReplacedCredential[];
  /** The certificates of every built-in CA, roots and intermediates, by source. */
  authorities: readonly { sourceId: string; der: Uint8Array }[];
  produced: readonly ReportedCredential[];
  /** When the outcome is recorded: what was made must be valid then. */
  at: Date;
};

/** The problems, and the source established for each credential reported (null when none could be). */
export type ProducedPolicyVerdict = { problems: string[]; sources: (string | null)[] };

/** A key as policy names it: 'RSA-1024', 'ECDSA-P256', 'Ed25519'; null for a secret. */
const policyKeyAlgorithm = (facts: CredentialFacts): string | null => {
  if (facts.keyAlgorithm === undefined) return null;
  return (facts.keyAlgorithm === 'RSA' || facts.keyAlgorithm === 'DSA') && facts.keySize !== undefined ? `${facts.keyAlgorithm}-${facts.keySize}` : facts.keyAlgorithm;
};

const sanKey = (san: string): string => (san.startsWith('dns:') ? san.toLowerCase() : san);
const sameNames = (a: readonly string[], b: readonly string[]): boolean => {
  const left = new Set(a.map(sanKey));
  const right = new Set(b.map(sanKey));
  return left.size === right.size && [...left].every((name) => right.has(name));
};
const listed = (sans: readonly string[]): string => (sans.length === 0 ? 'no names' : sans.join(', '));

/** The one credential a renewal or rotation replaces, or why there is not exactly one. */
const onlyReplaced = (input: ProducedPolicyInput): ReplacedCredential | string => {
  const [only, ...more] = input.replaced;
  return only !== undefined && more.length === 0 ? only : `a ${input.action} that produces a certificate replaces exactly one credential, but this change names ${input.replaced.length}`;
};

const csrNames = (text: string): string[] => {
  const parsed = parseCsr(text);
  return parsed.ok ? parsed.csr.sans : [];
};

/** The names the change stands for, and how it came to them; null when it set none (an issue by hand without names). */
const expectedNames = (input: ProducedPolicyInput, index: number): { sans: readonly string[]; why: string } | string | null => {
  const { spec } = input;
  const asked = spec.csrs?.[index] !== undefined ? csrNames(spec.csrs[index])
    : spec.names !== undefined ? spec.names.map((name) => `dns:${name}`)
      : spec.csr !== undefined ? csrNames(spec.csr) : null;
  switch (input.action) {
    case 'issue':
      return asked === null ? null : { sans: asked, why: 'asked for' };
    case 'rotate':
    case 'renew': {
      if (input.action === 'rotate' && asked !== null) return { sans: asked, why: 'asked for' };
      const replaced = onlyReplaced(input);
      if (typeof replaced === 'string') return replaced;
      if (replaced.sans.length === 0) {
        return `credential ${replaced.id} has no recorded subjectAltNames, so a ${input.action} cannot show it keeps them; request a rotation that names them (spec.names)`;
      }
      return { sans: replaced.sans, why: `${input.action === 'renew' ? 'renews' : 'rotates'} credential ${replaced.id}, which names` };
    }
    case 'revoke':
    case 'retire':
      return null;
  }
};

/** A renewal keeps the subject of what it renews. */
const subjectProblems = (input: ProducedPolicyInput, facts: CredentialFacts): string[] => {
  if (input.action !== 'renew') return [];
  const replaced = onlyReplaced(input);
  if (typeof replaced === 'string') return [];
  if (replaced.subject === null) return [`credential ${replaced.id} has no recorded subject, so a renewal cannot show it keeps it; request a rotation instead`];
  return facts.subject === replaced.subject ? [] : [`the certificate's subject is "${facts.subject ?? ''}" but credential ${replaced.id}, which it renews, has "${replaced.subject}"; a renewal keeps its subject (rotate or issue to change it)`];
};

/** The source the connector, the change or the credential it replaces names, if any. */
const claimedSource = (input: ProducedPolicyInput, facts: CredentialFacts): string | null => {
  if (facts.source !== undefined) return facts.source;
  if (input.spec.source !== undefined) return input.spec.source;
  const sources = [...new Set(input.replaced.map((credential) => credential.sourceId))];
  return sources.length === 1 ? sources[0] ?? null : null;
};

const establishSource = (facts: PolicyFacts, input: ProducedPolicyInput, reported: ReportedCredential): { sourceId: string | null; problems: string[] } => {
  const claimed = claimedSource(input, reported.facts);
  const allowed = input.credentialClass.policy.allowedSources;
  const { der } = reported;
  const isCertificate = reported.facts.kind === 'x509_certificate';
  if (isCertificate && der === undefined) return { sourceId: null, problems: ['the connector reported a certificate without its bytes, so who signed it cannot be checked'] };
  if (der !== undefined) {
    const signer = input.authorities.find((authority) => isIssuedBy(der, authority.der));
    if (signer !== undefined) {
      return claimed === null || claimed === signer.sourceId
        ? { sourceId: signer.sourceId, problems: [] }
        : { sourceId: signer.sourceId, problems: [`the certificate was signed by the CA of source ${signer.sourceId}, not by source ${claimed}, which the change names`] };
    }
  }
  if (claimed === null) {
    if (allowed === undefined) return { sourceId: null, problems: [] };
    const issuer = der === undefined ? '' : `its issuer (${reported.facts.issuer ?? 'unnamed'}) is no CA of a built-in source, and `;
    return { sourceId: null, problems: [`nothing establishes which source the ${reported.facts.kind.replace('_', ' ')} came from: ${issuer}the change names no source; policy.allowedSources allows ${allowed.join(', ')}, so request the change naming the one that issued it (spec.source)`] };
  }
  const problems = isCertificate ? builtinCaProblems(facts, claimed, null) : [];
  const declared = facts.governance.sources.find((source) => source.id === claimed);
  if (isCertificate && declared?.kind === 'builtin_ca' && problems.length === 0) {
    problems.push(`source ${claimed} is a built-in CA, but none of its CAs signed the certificate (its issuer is ${reported.facts.issuer ?? 'unnamed'})`);
  }
  if (der !== undefined && allowed !== undefined && isSelfIssued(der)) {
    problems.push(`the certificate is self-signed, so no source issued it, and policy.allowedSources allows only ${allowed.join(', ')}`);
  }
  return { sourceId: claimed, problems };
};

const credentialProblems = (facts: PolicyFacts, input: ProducedPolicyInput, reported: ReportedCredential, index: number): { sourceId: string | null; problems: string[] } => {
  const { credentialClass } = input;
  const kind = reported.facts.kind;
  if (!(credentialClass.kinds as readonly string[]).includes(kind)) {
    return { sourceId: null, problems: [`class ${credentialClass.id} holds ${credentialClass.kinds.join(', ')}, but the connector reported a credential of kind ${kind}`] };
  }
  const source = establishSource(facts, input, reported);
  const { policy } = credentialClass;
  const isCertificate = kind === 'x509_certificate';
  const sans = reported.facts.sans ?? [];
  const problems = [...source.problems, ...checkIssuancePolicy(source.sourceId === null ? { ...policy, allowedSources: undefined } : policy, {
    keyAlgorithm: policyKeyAlgorithm(reported.facts),
    sans: isCertificate ? sans : null,
    commonName: isCertificate ? commonNameOf(reported.facts.subject) : null,
    notBefore: reported.facts.notBefore ?? null,
    notAfter: reported.facts.notAfter ?? null,
    sourceId: source.sourceId ?? '',
  })];
  const notAfter = reported.facts.notAfter;
  if (notAfter !== undefined && notAfter !== null && notAfter.getTime() <= input.at.getTime()) {
    problems.push(`it expired at ${notAfter.toISOString()}, before it was recorded; only a credential in force is recorded`);
  }
  if (isCertificate) {
    const expected = expectedNames(input, index);
    if (typeof expected === 'string') problems.push(expected);
    else if (expected !== null && !sameNames(sans, expected.sans)) problems.push(`the certificate names ${listed(sans)}, but the change ${expected.why} ${listed(expected.sans)}`);
    problems.push(...subjectProblems(input, reported.facts));
  }
  return { sourceId: source.sourceId, problems };
};

/** Every problem with what a connector reported, each naming the rule; empty when it may be recorded. */
export const producedCredentialProblems = (facts: PolicyFacts, input: ProducedPolicyInput): ProducedPolicyVerdict => {
  const checked = input.produced.map((reported, index) => credentialProblems(facts, input, reported, index));
  const several = input.produced.length > 1;
  return {
    problems: [
      ...workloadProblems(facts, input.spec.workload),
      ...checked.flatMap((entry, index) => entry.problems.map((problem) => (several ? `credential ${index + 1} of ${input.produced.length}: ${problem}` : problem))),
    ],
    sources: checked.map((entry) => entry.sourceId),
  };
};
