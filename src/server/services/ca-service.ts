// The built-in CA: hierarchies (a root and an issuing intermediate per source, with a delegated OCSP
// responder), and issuance under a class policy. Every certificate is checked twice before it is signed:
// against the class policy (lifetime, key, names, source) and by the named pre-issuance lints over the
// very bytes to be signed. Keys are generated and used outside any transaction; what was made is then
// recorded in one.
import { X509Certificate } from 'node:crypto';
import { TrustplaneError } from '../../core/errors.ts';
import type { ClassPolicy } from '../../core/governance/index.ts';
import { certificateFacts } from '../../core/inventory/certificate-facts.ts';
import type { CredentialFacts } from '../../core/inventory/index.ts';
import { builtCertificateFacts } from '../../core/pki/built-certificate-facts.ts';
import type { BuiltCertificate } from '../../core/pki/built-certificate-facts.ts';
import type { CertificateProfileName } from '../../core/pki/certificate-profile.ts';
import { buildTbsCertificate, issuerFromCertificate, serialInIssueOrder, serialRandomOctets } from '../../core/pki/certificate-template.ts';
import type { CertificateSubject, CertificateUrls, IssuingCertificate } from '../../core/pki/certificate-template.ts';
import { checkIssuancePolicy } from '../../core/pki/issuance-policy.ts';
import { failedLints, lintTbsCertificate } from '../../core/pki/pre-issuance-lints.ts';
import type { LintResult } from '../../core/pki/pre-issuance-lints.ts';
import { signCertificate } from '../../core/pki/sign-certificate.ts';
import type { CaKeyAlgorithm, Signer } from '../../core/pki/signer.ts';
import type { UnitOfWork } from '../db/unit-of-work.ts';
import { randomId } from '../platform.ts';
import type { Clock, RandomSource } from '../platform.ts';
import { parseStoredKey } from '../signers/signer-backend.ts';
import type { SignerRegistry } from '../signers/signer-backend.ts';
import type { StoredKeyKind } from '../signers/signer-backend.ts';
import type { CertificateAuthority, IssuedCertificate } from '../stores/ca-store.ts';

const year = 365 * 86_400_000;
export const rootLifetimeMs = 10 * year;
export const intermediateLifetimeMs = 5 * year;
export const responderLifetimeMs = year;
/** Leaves are backdated this much, so a relying party whose clock runs a little behind accepts them. */
const backdateMs = 60_000;

export type CaServiceDeps = {
  unitOfWork: UnitOfWork;
  clock: Clock;
  random: RandomSource;
  /** Null when no master key (or PKCS #11 token) is configured: every CA operation then says so. */
  signers: SignerRegistry | null;
  /** The base URL relying parties reach Trustplane at; certificates carry URLs under it. */
  publicUrl: () => string;
};

export type CreateAuthorityInput = {
  sourceId: string;
  name: string;
  algorithm: CaKeyAlgorithm;
  backend: StoredKeyKind;
  actor: string;
  organization?: string;
};

export type IssueInput = {
  sourceId: string;
  policy: ClassPolicy;
  subjectPublicKey: Uint8Array;
  /** As policy names key algorithms: from the CSR or the generated key. */
  keyAlgorithm: string;
  sans: readonly string[];
  commonName: string | null;
  lifetimeMs: number;
  at: Date;
  profile?: CertificateProfileName;
};

/** A certificate issued, with its inventory facts (as the inventory's reader would give them). */
export type Issued = { ok: true; der: Uint8Array; pem: string; serial: string; caId: string; lints: LintResult[]; facts: CredentialFacts } | { ok: false; problem: string };

export const toPem = (der: Uint8Array, label = 'CERTIFICATE'): string =>
  `-----BEGIN ${label}-----\n${Buffer.from(der).toString('base64').replace(/.{1,64}/g, '$&\n')}-----END ${label}-----\n`;

export const pemToDer = (pem: string): Uint8Array => new Uint8Array(new X509Certificate(pem).raw);

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

export const pkiUrls = (base: string, caId: string) => ({
  certificate: `${base}/pki/ca/${caId}.crt`,
  crl: `${base}/pki/crl/${caId}.crl`,
  ocsp: `${base}/pki/ocsp/${caId}`,
});

export const createCaService = (deps: CaServiceDeps) => {
  const { unitOfWork, clock, random } = deps;
  const signerCache = new Map<string, Promise<Signer>>();
  // A CA's certificate never changes once made, so each issuing CA is read and parsed once per process.
  const issuingCache = new Map<string, { authority: CertificateAuthority; certificateDer: Uint8Array; issuer: IssuingCertificate; subject: string }>();

  const issuingFor = async (sourceId: string) => {
    const cached = issuingCache.get(sourceId);
    if (cached !== undefined) return cached;
    const authority = await unitOfWork((tx) => tx.ca.issuingAuthorityFor(sourceId));
    if (authority === null) return null;
    const certificateDer = pemToDer(authority.certificatePem);
    // Its subject as the inventory reads it: the issuer of every certificate it signs (their facts name it).
    const subject = certificateFacts(certificateDer)?.subject;
    if (subject === undefined) throw new TrustplaneError('INTERNAL', `the certificate of CA ${authority.id} cannot be read by the inventory`);
    const entry = { authority, certificateDer, issuer: issuerFromCertificate(certificateDer), subject };
    issuingCache.set(sourceId, entry);
    return entry;
  };

  const registry = (): SignerRegistry => {
    if (deps.signers === null) {
      throw new TrustplaneError('NOT_READY', 'no master key is configured, so the built-in CA cannot use its keys; set TRUSTPLANE_MASTER_KEY or run `trustplane init`, which makes <data dir>/master.key');
    }
    return deps.signers;
  };

  const keyAad = (keyId: string): string => `signing-key:${keyId}`;

  /** A key's signer, opened once per process and kept: opening the envelope (or a PKCS #11 session) costs. */
  const signerFor = (keyId: string): Promise<Signer> => {
    let signer = signerCache.get(keyId);
    if (signer === undefined) {
      signer = (async () => {
        const record = await unitOfWork((tx) => tx.ca.findKey(keyId));
        if (record === null) throw new TrustplaneError('INTERNAL', `signing key ${keyId} is not on record`);
        return registry().load(parseStoredKey(JSON.parse(record.stored)), keyAad(keyId));
      })();
      signer.catch(() => signerCache.delete(keyId));
      signerCache.set(keyId, signer);
    }
    return signer;
  };

  const urlsOf = (caId: string, withOcsp: boolean): CertificateUrls => {
    const urls = pkiUrls(deps.publicUrl(), caId);
    return { crlDistributionPoint: urls.crl, caIssuers: urls.certificate, ...(withOcsp ? { ocsp: urls.ocsp } : {}) };
  };

  type CertificateInput = {
    /** From serialInIssueOrder. */
    serial: Uint8Array;
    profile: CertificateProfileName; subject: CertificateSubject; sans: readonly string[]; subjectPublicKey: Uint8Array; notBefore: Date; notAfter: Date;
    issuer: { certificate: IssuingCertificate; signer: Signer } | { self: Signer }; urls?: CertificateUrls; pathLength?: number;
  };
  type Prepared = { ok: true; tbs: Uint8Array; signer: Signer; serial: string; lints: LintResult[]; built: Omit<BuiltCertificate, 'issuerSubject'> } | { ok: false; problem: string };

  /** Builds and lints one certificate, signing nothing; refuses with the failing lints' names. */
  const prepare = (input: CertificateInput): Prepared => {
    const { serial } = input;
    const signer = 'self' in input.issuer ? input.issuer.self : input.issuer.signer;
    const issuing = 'self' in input.issuer ? null : input.issuer.certificate;
    const built = {
      profile: input.profile, serial, subject: input.subject, sans: input.sans, notBefore: input.notBefore, notAfter: input.notAfter,
      subjectPublicKey: input.subjectPublicKey, signatureKeyAlgorithm: signer.keyAlgorithm,
    };
    const tbs = buildTbsCertificate({
      ...built, issuer: issuing === null ? 'self' : { name: issuing.name, publicKey: issuing.publicKey },
      ...(input.urls === undefined ? {} : { urls: input.urls }), ...(input.pathLength === undefined ? {} : { pathLength: input.pathLength }),
    });
    const lints = lintTbsCertificate(tbs, { profile: input.profile, issuer: issuing === null ? 'self' : { publicKey: issuing.publicKey, notBefore: issuing.notBefore, notAfter: issuing.notAfter } });
    const failed = failedLints(lints);
    if (failed.length > 0) {
      return { ok: false, problem: `pre-issuance lints failed, so nothing was signed: ${failed.map((lint) => `${lint.name} (${lint.message})`).join('; ')}` };
    }
    return { ok: true, tbs, signer, serial: hex(serial), lints, built };
  };

  /** Builds, lints and signs one certificate. */
  const sign = async (input: CertificateInput): Promise<{ ok: true; der: Uint8Array; serial: string; lints: LintResult[] } | { ok: false; problem: string }> => {
    const prepared = prepare(input);
    if (!prepared.ok) return prepared;
    return { ok: true, der: await signCertificate(prepared.tbs, prepared.signer), serial: prepared.serial, lints: prepared.lints };
  };

  /** Policy first, then the certificate built and linted: everything but the signature. */
  const prepareIssue = async (input: IssueInput, serialRandom: Uint8Array): Promise<(Extract<Prepared, { ok: true }> & { caId: string; issuerSubject: string }) | { ok: false; problem: string }> => {
    const issuing = await issuingFor(input.sourceId);
    if (issuing === null) {
      return { ok: false, problem: `no built-in CA serves source ${input.sourceId}; create one with \`trustplane ca create ${input.sourceId}\`` };
    }
    const { authority, issuer, subject: issuerSubject } = issuing;
    // Backdated a little for clocks that run behind, but never before the issuer's own validity.
    const notBefore = new Date(Math.max(input.at.getTime() - backdateMs, issuer.notBefore.getTime()));
    const notAfter = new Date(notBefore.getTime() + input.lifetimeMs);
    const problems = checkIssuancePolicy(input.policy, { keyAlgorithm: input.keyAlgorithm, sans: input.sans, commonName: input.commonName, notBefore, notAfter, sourceId: input.sourceId });
    if (problems.length > 0) return { ok: false, problem: `the class policy refuses this certificate, so nothing was signed: ${problems.join('; ')}` };
    const firstName = input.sans.find((san) => san.startsWith('dns:'))?.slice('dns:'.length);
    const commonName = input.commonName ?? firstName;
    if (commonName === undefined) return { ok: false, problem: 'the certificate would name nobody: give at least one DNS name' };
    const signer = await signerFor(authority.keyId);
    try {
      const prepared = prepare({
        serial: serialInIssueOrder(input.at, serialRandom), profile: input.profile ?? 'mtls', subject: { commonName }, sans: input.sans, subjectPublicKey: input.subjectPublicKey, notBefore, notAfter,
        issuer: { certificate: issuer, signer }, urls: urlsOf(authority.id, true),
      });
      return prepared.ok ? { ...prepared, caId: authority.id, issuerSubject } : prepared;
    } catch (error) {
      // A name or key the template cannot encode: a refusal like the policy's, so a batch names which certificate.
      if (error instanceof TrustplaneError && error.code === 'VALIDATION_FAILED') return { ok: false, problem: `the certificate cannot be built, so nothing was signed: ${error.message}` };
      throw error;
    }
  };

  const generateKey = async (purpose: string, algorithm: CaKeyAlgorithm, backend: StoredKeyKind, label: string) => {
    const id = randomId(random, 'key');
    const generated = await registry().get(backend).generate({ algorithm, label, aad: keyAad(id) });
    return { id, purpose, backend, algorithm, stored: JSON.stringify(generated.stored), signer: generated.signer };
  };

  const requireSigned = (result: Awaited<ReturnType<typeof sign>>, what: string): { der: Uint8Array; serial: string } => {
    if (!result.ok) throw new TrustplaneError('INTERNAL', `the ${what} could not be made: ${result.problem}`);
    return result;
  };

  const service = {
    /**
     * Creates a CA hierarchy for a source: a root, an issuing intermediate and the intermediate's delegated
     * OCSP responder. The issuing CA's id is the source's id; the root's is `<source>-root`.
     */
    async createAuthority(input: CreateAuthorityInput): Promise<{ root: CertificateAuthority; issuing: CertificateAuthority }> {
      const existing = await unitOfWork((tx) => tx.ca.authority(input.sourceId));
      if (existing !== null) throw new TrustplaneError('CONFLICT', `source ${input.sourceId} already has a built-in CA (created ${existing.createdAt}); \`trustplane ca list\` shows it`);
      const now = clock.now();
      const rootId = `${input.sourceId}-root`;
      const organization = input.organization === undefined ? {} : { organization: input.organization };
      const rootKey = await generateKey('ca', input.algorithm, input.backend, `${rootId} root key`);
      const serialAt = () => serialInIssueOrder(now, random.bytes(serialRandomOctets));
      const root = requireSigned(await sign({
        serial: serialAt(), profile: 'root-ca', subject: { commonName: `${input.name} Root`, ...organization }, sans: [], subjectPublicKey: rootKey.signer.publicKey,
        notBefore: now, notAfter: new Date(now.getTime() + rootLifetimeMs), issuer: { self: rootKey.signer },
      }), 'root certificate');
      const issuingKey = await generateKey('ca', input.algorithm, input.backend, `${input.sourceId} issuing key`);
      const issuing = requireSigned(await sign({
        serial: serialAt(), profile: 'intermediate-ca', subject: { commonName: input.name, ...organization }, sans: [], subjectPublicKey: issuingKey.signer.publicKey,
        notBefore: now, notAfter: new Date(now.getTime() + intermediateLifetimeMs), issuer: { certificate: issuerFromCertificate(root.der), signer: rootKey.signer },
        urls: urlsOf(rootId, false), pathLength: 0,
      }), 'issuing CA certificate');
      const responderKey = await generateKey('ocsp', input.algorithm === 'Ed25519' ? 'Ed25519' : 'ECDSA-P256', input.backend, `${input.sourceId} OCSP responder key`);
      const responder = requireSigned(await sign({
        serial: serialAt(), profile: 'ocsp-responder', subject: { commonName: `${input.name} OCSP Responder`, ...organization }, sans: [], subjectPublicKey: responderKey.signer.publicKey,
        notBefore: now, notAfter: new Date(now.getTime() + responderLifetimeMs), issuer: { certificate: issuerFromCertificate(issuing.der), signer: issuingKey.signer },
      }), 'OCSP responder certificate');
      const created = now.toISOString();
      const rootAuthority: CertificateAuthority = {
        id: rootId, sourceId: input.sourceId, name: `${input.name} Root`, parentId: null, keyId: rootKey.id, certificatePem: toPem(root.der), serial: root.serial,
        notAfter: new Date(now.getTime() + rootLifetimeMs).toISOString(), ocspCertificatePem: null, ocspKeyId: null, crlNumber: 0, createdAt: created,
      };
      const issuingAuthority: CertificateAuthority = {
        id: input.sourceId, sourceId: input.sourceId, name: input.name, parentId: rootId, keyId: issuingKey.id, certificatePem: toPem(issuing.der), serial: issuing.serial,
        notAfter: new Date(now.getTime() + intermediateLifetimeMs).toISOString(), ocspCertificatePem: toPem(responder.der), ocspKeyId: responderKey.id, crlNumber: 0, createdAt: created,
      };
      await unitOfWork(async (tx) => {
        for (const key of [rootKey, issuingKey, responderKey]) {
          await tx.ca.insertKey({ id: key.id, purpose: key.purpose, backend: key.backend, algorithm: key.algorithm, stored: key.stored, createdAt: created });
        }
        await tx.ca.insertAuthority(rootAuthority);
        await tx.ca.insertAuthority(issuingAuthority);
        await tx.audit.append({
          at: now, actor: input.actor, action: 'ca.create', target: `source:${input.sourceId}`, governanceVersion: (await tx.governance.currentVersion())?.version,
          details: { root: rootId, issuing: input.sourceId, algorithm: input.algorithm, backend: input.backend, keys: [rootKey.id, issuingKey.id, responderKey.id], rootSerial: root.serial, issuingSerial: issuing.serial },
        });
      });
      for (const key of [rootKey, issuingKey, responderKey]) signerCache.set(key.id, Promise.resolve(key.signer));
      return { root: rootAuthority, issuing: issuingAuthority };
    },

    list: (): Promise<CertificateAuthority[]> => unitOfWork((tx) => tx.ca.authorities()),

    async authority(id: string): Promise<CertificateAuthority> {
      const found = await unitOfWork((tx) => tx.ca.authority(id));
      if (found === null) throw new TrustplaneError('NOT_FOUND', `no built-in CA ${id}; \`trustplane ca list\` shows them`);
      return found;
    },

    /** The chain from an issuing CA up to (and including) its root, issuing CA first. */
    async chain(id: string): Promise<CertificateAuthority[]> {
      const chain: CertificateAuthority[] = [];
      for (let current: string | null = id; current !== null && chain.length < 8;) {
        const authority = await service.authority(current);
        chain.push(authority);
        current = authority.parentId;
      }
      return chain;
    },

    signerFor,

    /**
     * A new signing key for another purpose than a CA (the audit log's, say), sealed or in the token, and
     * its signer. The caller records it (tx.ca.insertKey) in its own transaction.
     */
    async createKey(input: { purpose: string; algorithm: CaKeyAlgorithm; backend: StoredKeyKind; label: string }): Promise<{ record: { id: string; purpose: string; backend: string; algorithm: string; stored: string }; signer: Signer }> {
      const key = await generateKey(input.purpose, input.algorithm, input.backend, input.label);
      signerCache.set(key.id, Promise.resolve(key.signer));
      return { record: { id: key.id, purpose: key.purpose, backend: key.backend, algorithm: key.algorithm, stored: key.stored }, signer: key.signer };
    },

    /** What the CA issued for these credentials, each with the source of the CA that issued it. */
    issuedFor: (credentialIds: readonly string[]): Promise<(IssuedCertificate & { sourceId: string })[]> => unitOfWork(async (tx) => {
      const issued = await tx.ca.issuedFor(credentialIds);
      const sources = new Map((await tx.ca.authorities()).map((authority) => [authority.id, authority.sourceId]));
      return issued.map((entry) => ({ ...entry, sourceId: sources.get(entry.caId) ?? entry.caId }));
    }),

    /** A certificate the CA issued, by its credential, with the chain up to the root (issuing CA first). */
    async certificateOf(credentialId: string): Promise<{ pem: string; chain: string[]; caId: string; serial: string; revokedAt: string | null }> {
      const [issued] = await unitOfWork((tx) => tx.ca.issuedFor([credentialId]));
      if (issued === undefined) throw new TrustplaneError('NOT_FOUND', `the built-in CA did not issue credential ${credentialId}; only what Trustplane signed can be downloaded`);
      const chain = await service.chain(issued.caId);
      return { pem: issued.certificatePem, chain: chain.map((authority) => authority.certificatePem), caId: issued.caId, serial: issued.serial, revokedAt: issued.revokedAt };
    },

    /** Issues a certificate for a class: policy first, then lints, then the signature. Nothing is stored here. */
    async issue(input: IssueInput): Promise<Issued> {
      const issued = await service.issueAll([input]);
      return issued.ok ? issued.certificates[0] as Extract<Issued, { ok: true }> : issued;
    },

    /**
     * Issues certificates for a class, all or none: every one passes the policy and the lints before the
     * first is signed, so a refusal signs nothing. The signatures then run concurrently (a software key
     * signs in the thread pool). A refusal names the input by its index when there are several.
     */
    async issueAll(inputs: readonly IssueInput[]): Promise<{ ok: true; certificates: Extract<Issued, { ok: true }>[] } | { ok: false; problem: string }> {
      const prepared: (Extract<Prepared, { ok: true }> & { caId: string; issuerSubject: string })[] = [];
      // The random octets of every serial in one call: one system call for the batch, not one per certificate.
      const serialRandom = random.bytes(serialRandomOctets * inputs.length);
      for (const [index, input] of inputs.entries()) {
        const ready = await prepareIssue(input, serialRandom.subarray(index * serialRandomOctets, (index + 1) * serialRandomOctets));
        if (!ready.ok) return { ok: false, problem: inputs.length === 1 ? ready.problem : `certificate ${index + 1} of ${inputs.length}: ${ready.problem}` };
        prepared.push(ready);
      }
      const outcomes = await Promise.allSettled(prepared.map((entry) => signCertificate(entry.tbs, entry.signer)));
      const failed = outcomes.findIndex((outcome) => outcome.status === 'rejected');
      if (failed >= 0) {
        // Certificates already signed cannot be taken back: say which, since none of them is recorded.
        const made = prepared.filter((_, index) => outcomes[index]!.status === 'fulfilled').map((entry) => entry.serial);
        const reason = (outcomes[failed] as PromiseRejectedResult).reason as unknown;
        throw new TrustplaneError('INTERNAL', `signing certificate ${failed + 1} of ${prepared.length} failed (${reason instanceof Error ? reason.message : String(reason)}); ${made.length === 0 ? 'nothing was signed' : `serials ${made.join(', ')} were signed but are not recorded`}`);
      }
      const signed = outcomes.map((outcome) => (outcome as PromiseFulfilledResult<Uint8Array>).value);
      return {
        ok: true,
        certificates: prepared.map((entry, index) => {
          const der = signed[index] as Uint8Array;
          // Taken from what was built, or read back where that is not plain (see built-certificate-facts.ts).
          const facts = builtCertificateFacts({ ...entry.built, issuerSubject: entry.issuerSubject }, der) ?? certificateFacts(der);
          if (facts === null) throw new TrustplaneError('INTERNAL', `the certificate just issued (serial ${entry.serial}) cannot be read back by the inventory`);
          return { ok: true, der, pem: toPem(der), serial: entry.serial, caId: entry.caId, lints: entry.lints, facts };
        }),
      };
    },
  };
  return service;
};

export type CaService = ReturnType<typeof createCaService>;
