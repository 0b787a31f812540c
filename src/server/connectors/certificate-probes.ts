// Verification probes for the built-in CA, run as a relying party would: they fetch the CA certificate,
// the CRL and the OCSP answer from the URLs the certificate itself carries, and check signatures, chain,
// policy and lineage. The verify step records every probe; a failed probe keeps a change from passing.
import { X509Certificate } from 'node:crypto';
import { CRLDistributionPointsExtension, X509Certificate as ParsedCertificate, X509Crl } from '@peculiar/x509';
import { TrustplaneError } from '../../core/errors.ts';
import type { ClassPolicy } from '../../core/governance/index.ts';
import { issuedCertificateFacts } from '../../core/pki/issued-certificate-facts.ts';
import { checkIssuancePolicy } from '../../core/pki/issuance-policy.ts';
import { buildOcspRequest, readOcspResponse } from '../../core/pki/ocsp-client.ts';
import { crlReasonForTrigger, crlReasonName } from '../../core/pki/revocation-reasons.ts';
import type { CrlReasonCode } from '../../core/pki/revocation-reasons.ts';
import type { UnitOfWork } from '../db/unit-of-work.ts';
import type { RandomSource } from '../platform.ts';
import type { CaService } from '../services/ca-service.ts';
import type { IssuedCertificate } from '../stores/ca-store.ts';
import type { CredentialRecord } from '../stores/credential-rows.ts';
import type { ProbeInput, ProbeResult } from './connector.ts';

/** How a probe reaches Trustplane's /pki URLs: over the network in production, in-process in tests. */
export type PkiFetch = (url: string, init?: { method: 'POST'; contentType: string; body: Uint8Array }) => Promise<{ status: number; body: Buffer }>;

export const networkPkiFetch: PkiFetch = async (url, init) => {
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(10_000), ...(init === undefined ? {} : { method: init.method, headers: { 'content-type': init.contentType }, body: init.body }) });
  } catch (error) {
    // fetch says only "fetch failed": name the URL the certificate points at, and why it could not be reached.
    const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : error instanceof Error ? error.message : String(error);
    throw new Error(`cannot fetch ${url} (${cause}); is Trustplane reachable at the URL its certificates carry (TRUSTPLANE_PUBLIC_URL)?`, { cause: error });
  }
  return { status: response.status, body: Buffer.from(await response.arrayBuffer()) };
};

export type CertificateProbeDeps = {
  unitOfWork: UnitOfWork;
  ca: Pick<CaService, 'issuedFor'>;
  classPolicy(classId: string): Promise<ClassPolicy | null>;
  fetchPki: PkiFetch;
  random: RandomSource;
};

/** The URLs of an access method (AIA) or the CRL distribution point, read from the certificate's text form. */
const urlOf = (certificate: X509Certificate, kind: 'caIssuers' | 'ocsp'): string | null => {
  const prefix = kind === 'caIssuers' ? 'CA Issuers - URI:' : 'OCSP - URI:';
  return (certificate.infoAccess ?? '').split('\n').find((line) => line.startsWith(prefix))?.slice(prefix.length) ?? null;
};

const probe = (name: string, passed: boolean, detail: string): ProbeResult => ({ name, passed, detail });

const crlDistributionPoint = (pem: string): string | null =>
  new ParsedCertificate(pem).getExtension(CRLDistributionPointsExtension)?.distributionPoints[0]?.distributionPoint?.fullName?.[0]?.uniformResourceIdentifier ?? null;

/** The CRL number (RFC 5280 §5.2.3), for the record. */
const crlNumberOf = (crl: X509Crl): string => {
  const extension = crl.extensions.find((entry) => entry.type === '2.5.29.20');
  return extension === undefined ? '?' : BigInt(`0x${Buffer.from(extension.value).subarray(2).toString('hex') || '0'}`).toString();
};

export const createCertificateProbes = (deps: CertificateProbeDeps) => {
  const { unitOfWork } = deps;
  const fetchDer = async (url: string, what: string): Promise<Buffer> => {
    const response = await deps.fetchPki(url);
    if (response.status !== 200) throw new TrustplaneError('NOT_READY', `${what} at ${url} answered HTTP ${response.status}`);
    return response.body;
  };

  /** Walks the chain through the caIssuers URLs up to a self-signed root; returns it issuer first. */
  const chainOf = async (leaf: X509Certificate): Promise<{ chain: X509Certificate[]; problem: string | null }> => {
    const chain: X509Certificate[] = [];
    let current = leaf;
    for (let depth = 0; depth < 5; depth += 1) {
      if (current.checkIssued(current) && current.verify(current.publicKey)) return { chain, problem: null };
      const url = urlOf(current, 'caIssuers');
      if (url === null) return { chain, problem: `${current.subject} names no CA Issuers URL` };
      const issuer = new X509Certificate(await fetchDer(url, 'the CA certificate'));
      if (!current.checkIssued(issuer) || !current.verify(issuer.publicKey)) return { chain, problem: `${current.subject} is not signed by the certificate at ${url}` };
      chain.push(issuer);
      current = issuer;
    }
    return { chain, problem: 'the chain is longer than five certificates' };
  };

  const { issuedFor } = deps.ca;
  const issuerOf = async (entry: IssuedCertificate): Promise<X509Certificate> => {
    const authority = await unitOfWork((tx) => tx.ca.authority(entry.caId));
    if (authority === null) throw new TrustplaneError('INTERNAL', `CA ${entry.caId} is not on record`);
    return new X509Certificate(authority.certificatePem);
  };

  const askOcsp = async (certificate: X509Certificate, issuer: X509Certificate) => {
    const url = urlOf(certificate, 'ocsp');
    if (url === null) return { ok: false as const, problem: 'the certificate names no OCSP responder' };
    const nonce = deps.random.bytes(16);
    const response = await deps.fetchPki(url, { method: 'POST', contentType: 'application/ocsp-request', body: buildOcspRequest(certificate.raw, issuer.raw, nonce) });
    if (response.status !== 200) return { ok: false as const, problem: `the responder at ${url} answered HTTP ${response.status}` };
    return readOcspResponse(response.body, certificate.raw, issuer.raw, nonce);
  };

  /** After issue, renew or rotate: the new certificate chains, meets the policy, is good in OCSP, and replaced the old. */
  const probeProduced = async (input: ProbeInput, credential: CredentialRecord, entry: IssuedCertificate & { sourceId: string }): Promise<ProbeResult[]> => {
    const certificate = new X509Certificate(entry.certificatePem);
    const results: ProbeResult[] = [];
    const { chain, problem } = await chainOf(certificate);
    results.push(probe('chains-to-root', problem === null, problem ?? `${certificate.subject} ← ${chain.map((link) => link.subject.split('\n').find((line) => line.startsWith('CN=')) ?? link.subject).join(' ← ')}, fetched from the CA Issuers URLs`));
    const policy = await deps.classPolicy(input.change.classId);
    const facts = issuedCertificateFacts(entry.certificatePem);
    const policyProblems = policy === null ? ['the class is no longer in governance'] : checkIssuancePolicy(policy, {
      keyAlgorithm: facts.keyAlgorithm, sans: facts.sans, notBefore: facts.notBefore, notAfter: facts.notAfter, sourceId: entry.sourceId,
    });
    results.push(probe('meets-class-policy', policyProblems.length === 0, policyProblems.length === 0 ? `lifetime, key ${facts.keyAlgorithm}, names and source ${entry.sourceId} are within class ${input.change.classId}'s policy` : policyProblems.join('; ')));
    const issuer = chain[0];
    if (issuer !== undefined) {
      const answer = await askOcsp(certificate, issuer);
      results.push(answer.ok
        ? probe('ocsp-good', answer.status === 'good', `the responder (${answer.responder.split('\n').find((line) => line.startsWith('CN=')) ?? answer.responder}) says ${answer.status}`)
        : probe('ocsp-good', false, answer.problem));
    }
    for (const previous of input.credentials) {
      results.push(probe('previous-superseded', previous.status === 'superseded' && previous.supersededBy === credential.id,
        `credential ${previous.id} is ${previous.status}${previous.supersededBy === null ? '' : `, superseded by ${previous.supersededBy}`}`));
      const [old] = await issuedFor([previous.id]);
      if (old !== undefined) {
        const sameKey = new X509Certificate(old.certificatePem).publicKey.export({ type: 'spki', format: 'der' }).equals(certificate.publicKey.export({ type: 'spki', format: 'der' }));
        results.push(input.change.action === 'renew'
          ? probe('same-key', sameKey, sameKey ? 'the renewed certificate certifies the same key' : 'the renewed certificate certifies a different key')
          : probe('new-key', !sameKey, sameKey ? 'the rotated certificate still certifies the old key' : 'the rotated certificate certifies a new key'));
      }
    }
    return results;
  };

  /** After a revocation: the serial is in a freshly fetched, correctly signed CRL, and OCSP answers revoked. */
  const probeRevoked = async (input: ProbeInput, entry: IssuedCertificate & { sourceId: string }): Promise<ProbeResult[]> => {
    const certificate = new X509Certificate(entry.certificatePem);
    const issuer = await issuerOf(entry);
    const results: ProbeResult[] = [];
    const crlUrl = crlDistributionPoint(entry.certificatePem);
    if (crlUrl === null) results.push(probe('crl-lists-serial', false, 'the certificate names no CRL distribution point'));
    else {
      const crl = new X509Crl(await fetchDer(crlUrl, 'the CRL'));
      const signed = await crl.verify({ publicKey: new ParsedCertificate(issuer.raw) });
      const listed = crl.findRevoked(entry.serial);
      const expected = input.change.trigger === null ? null : crlReasonForTrigger(input.change.trigger);
      const listedReason = listed?.reason === undefined ? 'unspecified' : crlReasonName(listed.reason as CrlReasonCode);
      const reasonRight = expected === null || listedReason === expected.name;
      // CRL times have whole seconds (RFC 5280 §5.1.2.4), so the revocation is compared at that precision.
      const fresh = entry.revokedAt !== null && crl.thisUpdate.getTime() >= Math.floor(Date.parse(entry.revokedAt) / 1000) * 1000;
      results.push(probe('crl-lists-serial', signed && listed !== null && reasonRight,
        !signed ? `the CRL at ${crlUrl} is not signed by ${issuer.subject}`
          : listed === null ? `serial ${entry.serial} is not in CRL number ${crlNumberOf(crl)} at ${crlUrl}`
            : `serial ${entry.serial} is in CRL number ${crlNumberOf(crl)} at ${crlUrl}, reason ${listedReason}${reasonRight ? '' : ` (the trigger ${input.change.trigger} calls for ${expected?.name})`}`));
      results.push(probe('crl-published-after-revocation', fresh, `the CRL was issued ${crl.thisUpdate.toISOString()}; the revocation was recorded ${entry.revokedAt ?? 'never'}`));
    }
    const answer = await askOcsp(certificate, issuer);
    results.push(answer.ok
      ? probe('ocsp-revoked', answer.status === 'revoked', answer.status === 'revoked' ? `the responder says revoked at ${answer.revokedAt.toISOString()}` : `the responder says ${answer.status}`)
      : probe('ocsp-revoked', false, answer.problem));
    return results;
  };

  return {
    async run(input: ProbeInput): Promise<ProbeResult[]> {
      if (input.change.action === 'revoke') {
        const issued = await issuedFor(input.change.credentialIds);
        return (await Promise.all(issued.map((entry) => probeRevoked(input, entry)))).flat();
      }
      if (input.change.action === 'retire') return [];
      const results: ProbeResult[] = [];
      for (const credential of input.produced) {
        const [entry] = await issuedFor([credential.id]);
        if (entry === undefined) results.push(probe('issued-by-builtin-ca', false, `credential ${credential.id} is not recorded as issued by the built-in CA`));
        else results.push(...await probeProduced(input, credential, entry));
      }
      if (input.produced.length === 0) results.push(probe('certificate-produced', false, 'the change produced no certificate'));
      return results;
    },
  };
};

export type CertificateProbes = ReturnType<typeof createCertificateProbes>;
