// What a change asks for beyond its action and credentials: for an issue, the CSR (the requester keeps
// the key), several CSRs (one certificate each, approved together: a fleet's certificates), or the names
// and key algorithm of a key the connector generates; the workload the new
// credential serves; for a secret, its name. Stored with the change, so approvers approve exactly this.
import { z } from 'zod';
import { parseDuration } from '../duration.ts';
import type { CredentialClass } from '../governance/governance-model.ts';
import { policyKeyAlgorithms } from '../governance/governance-vocabulary.ts';
import type { CertificateRequestFacts } from '../pki/csr.ts';
import { checkIssuancePolicy } from '../pki/issuance-policy.ts';
import { generalNameOfSan } from '../pki/certificate-template.ts';
import { idPattern } from '../governance/principal-ref.ts';

const maxCsrBytes = 64 * 1024;
/** CSRs in one issue: a fleet's certificates, approved together and recorded in one transaction. */
export const maxCsrsPerChange = 1000;

const id = z.string().regex(idPattern, { error: 'is not an id (1 to 63 lowercase letters, digits, ".", "_" or "-")' });

const csrText = z.string().max(maxCsrBytes, { error: `a CSR is at most ${maxCsrBytes} bytes of PEM` });

export const changeSpecSchema = z.strictObject({
  csr: csrText.optional(),
  csrs: z.array(csrText, { error: 'csrs is a list of PEM CSRs' }).min(1).max(maxCsrsPerChange, { error: `an issue takes at most ${maxCsrsPerChange} CSRs; request several changes` }).optional(),
  names: z.array(z.string().min(1).max(253).regex(/^[A-Za-z0-9*._-]+$/, { error: 'a DNS name has letters, digits, ".", "-" and at most a leading "*."' }), { error: 'names is a list of DNS names' })
    .min(1).max(100).optional(),
  keyAlgorithm: z.enum(policyKeyAlgorithms).optional(),
  lifetime: z.string().max(32).refine((value) => parseDuration(value).ok, { error: 'is not a duration such as 30d or 12h' }).optional(),
  workload: id.optional(),
  source: id.optional(),
  name: z.string().min(1).max(200).regex(/^[A-Za-z0-9._@:/-]+$/, { error: 'a secret name uses letters, digits and . _ @ : / -' }).optional(),
}).refine((spec) => spec.csrs === undefined || (spec.csr === undefined && spec.names === undefined && spec.keyAlgorithm === undefined), {
  error: 'csrs carries the keys and names of every certificate; give it without csr, names or keyAlgorithm',
  path: ['csrs'],
});

export type ChangeSpec = z.output<typeof changeSpecSchema>;

/** Reads a stored spec; an unreadable one is an empty spec rather than a failed load of the change. */
export const storedChangeSpec = (json: string): ChangeSpec => {
  try {
    const parsed = changeSpecSchema.safeParse(JSON.parse(json));
    return parsed.success ? parsed.data : {};
  } catch {
    return {};
  }
};

/** Problems with a spec as a person wrote it, each naming its field; empty when it is valid. */
export const changeSpecProblems = (input: unknown): { spec: ChangeSpec; problems: string[] } => {
  const parsed = changeSpecSchema.safeParse(input ?? {});
  if (parsed.success) return { spec: parsed.data, problems: [] };
  return { spec: {}, problems: parsed.error.issues.map((issue) => `spec.${issue.path.join('.') || '(root)'}: ${issue.message}`) };
};

/**
 * What the class policy says about the certificate a request describes (its CSR's key and names, or the
 * names and key algorithm asked for), checked when it is requested so that approvers never approve what
 * the CA would refuse; the connector checks again, with the lints, before it signs. `csr` is the spec's
 * CSR as parseCsr read it, or null when there is none.
 */
export const certificateRequestProblems = (credentialClass: CredentialClass, spec: ChangeSpec, csr: CertificateRequestFacts | null, at: Date): string[] => {
  if (csr === null && spec.names === undefined && spec.keyAlgorithm === undefined && spec.lifetime === undefined) return [];
  // The CA would take the names from spec.names if given; a CSR that asks for none is refused rather
  // than issued as a certificate that names nobody a relying party checks.
  if (csr !== null && csr.sans.length === 0 && spec.names === undefined) {
    return ['the CSR asks for no subjectAltName; put the names it is for in its subjectAltName extension'];
  }
  // Without names or a CSR the names are not known yet: a renewal or rotation keeps those it replaces.
  const sans = spec.names !== undefined ? spec.names.map((name) => `dns:${name}`) : csr?.sans ?? null;
  // A name the CA could not encode is refused now, not after approval.
  const unencodable = (sans ?? []).flatMap((san) => {
    try {
      generalNameOfSan(san);
      return [];
    } catch (error) {
      return [(error as Error).message];
    }
  });
  if (unencodable.length > 0) return unencodable;
  const keyAlgorithm = csr?.keyAlgorithm ?? spec.keyAlgorithm ?? credentialClass.policy.keyAlgorithms?.[0] ?? 'ECDSA-P256';
  const lifetime = parseDuration(spec.lifetime ?? credentialClass.policy.maxLifetime ?? '30d');
  const notAfter = new Date(at.getTime() + (lifetime.ok ? lifetime.ms : 0));
  return checkIssuancePolicy({ ...credentialClass.policy, allowedSources: undefined }, { keyAlgorithm, sans, commonName: csr?.commonName ?? null, notBefore: at, notAfter, sourceId: spec.source ?? '' })
    .concat(spec.source !== undefined && credentialClass.policy.allowedSources !== undefined && !credentialClass.policy.allowedSources.includes(spec.source)
      ? [`policy.allowedSources allows ${credentialClass.policy.allowedSources.join(', ')} but spec.source is ${spec.source}`] : []);
};

/** What a request's specification records in its history: everything but the CSRs' bulk. */
export const specDetails = (spec: ChangeSpec): Record<string, unknown> => {
  if (Object.keys(spec).length === 0) return {};
  const { csr, csrs, ...rest } = spec;
  return { spec: { ...rest, ...(csr === undefined ? {} : { csr: 'attached' }), ...(csrs === undefined ? {} : { csrs: `${csrs.length} attached` }) } };
};
