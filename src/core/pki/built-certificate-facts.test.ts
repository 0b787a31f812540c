import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { keyObjectSigner } from '../../server/signers/key-object-signer.ts';
import { certificateFacts } from '../inventory/certificate-facts.ts';
import { builtCertificateFacts } from './built-certificate-facts.ts';
import type { BuiltCertificate } from './built-certificate-facts.ts';
import { certificateProfileNames } from './certificate-profile.ts';
import { buildTbsCertificate, issuerFromCertificate, serialInIssueOrder } from './certificate-template.ts';
import type { CertificateSubject } from './certificate-template.ts';
import { signCertificate } from './sign-certificate.ts';
import type { CaKeyAlgorithm, Signer } from './signer.ts';

const keys: { algorithm: CaKeyAlgorithm; signer: Signer }[] = [
  { algorithm: 'ECDSA-P256', signer: keyObjectSigner(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey, 'ECDSA-P256') },
  { algorithm: 'ECDSA-P384', signer: keyObjectSigner(generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey, 'ECDSA-P384') },
  { algorithm: 'Ed25519', signer: keyObjectSigner(generateKeyPairSync('ed25519').privateKey, 'Ed25519') },
  { algorithm: 'RSA-2048', signer: keyObjectSigner(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey, 'RSA-2048') },
];

const issuerName = 'Acme Issuing CA';
const issuerSubject = `CN=${issuerName}, O=Acme Corp`;

/** A CA certificate to issue under, of the issuer's algorithm. */
const issuingCa = async (issuer: Signer) => {
  const tbs = buildTbsCertificate({
    profile: 'intermediate-ca', serial: serialInIssueOrder(new Date(), randomBytes(9)), subject: { commonName: issuerName, organization: 'Acme Corp' }, issuer: 'self', sans: [],
    notBefore: new Date('2026-01-01T00:00:00Z'), notAfter: new Date('2031-01-01T00:00:00Z'), subjectPublicKey: issuer.publicKey, signatureKeyAlgorithm: issuer.keyAlgorithm,
  });
  const der = await signCertificate(tbs, issuer);
  assert.equal(certificateFacts(der)?.subject, issuerSubject, 'the issuer subject given is the one the reader gives for the CA');
  return der;
};

/** Builds and signs a certificate; returns what it was built from and its DER. */
const issue = async (issuer: Signer, subjectKey: Signer, profile: BuiltCertificate['profile'], subject: CertificateSubject, sans: readonly string[]) => {
  const ca = await issuingCa(issuer);
  const built: BuiltCertificate = {
    profile, serial: serialInIssueOrder(new Date(), randomBytes(9)), subject, sans,
    // Milliseconds that the DER drops: the facts carry whole seconds, as the certificate does.
    notBefore: new Date('2026-11-22T10:00:00.789Z'), notAfter: new Date('2026-12-22T10:00:00.123Z'),
    subjectPublicKey: subjectKey.publicKey, signatureKeyAlgorithm: issuer.keyAlgorithm, issuerSubject,
  };
  const { issuerSubject: _issuerSubject, ...template } = built;
  const tbs = buildTbsCertificate({
    ...template, issuer: { name: issuerFromCertificate(ca).name, publicKey: issuer.publicKey },
    urls: { crlDistributionPoint: 'http://ca.test/pki/crl/c.crl', caIssuers: 'http://ca.test/pki/ca/c.crt', ocsp: 'http://ca.test/pki/ocsp/c' },
  });
  return { built, der: await signCertificate(tbs, issuer) };
};

describe('builtCertificateFacts', () => {
  for (const { algorithm: issuerAlgorithm, signer: issuer } of keys) {
    for (const { algorithm: subjectAlgorithm, signer: subjectKey } of keys) {
      it(`equals what the inventory's reader reads: ${subjectAlgorithm} key, issued by ${issuerAlgorithm}, every profile`, async () => {
        for (const profile of certificateProfileNames) {
          const sans = profile === 'mtls' || profile === 'tls-server' ? ['dns:api.svc.acme.internal', 'dns:*.api.svc.acme.internal'] : [];
          const { built, der } = await issue(issuer, subjectKey, profile, { commonName: 'api.svc.acme.internal' }, sans);
          const derived = builtCertificateFacts(built, der);
          assert.ok(derived !== null, `${profile}: plain names give facts`);
          assert.deepEqual(derived, certificateFacts(der), profile);
        }
      });
    }
  }

  it('equals the reader for an organization, a name with inner spaces, and a subject without a CN (named by its first SAN)', async () => {
    const [{ signer }] = keys as [typeof keys[number]];
    for (const [subject, sans] of [
      [{ commonName: 'payments api', organization: 'Acme Corp' }, ['dns:payments.acme.example']],
      [{ commonName: '' }, ['dns:first.acme.example', 'dns:second.acme.example']],
      [{ commonName: 'svc-1_a@acme' }, ['dns:svc-1.acme.example']],
    ] as const) {
      const { built, der } = await issue(signer, signer, 'tls-server', subject, sans);
      const derived = builtCertificateFacts(built, der);
      assert.ok(derived !== null, JSON.stringify(subject));
      assert.deepEqual(derived, certificateFacts(der), JSON.stringify(subject));
    }
  });

  it('leaves to the reader what it would escape or render otherwise: RFC 4514 specials, non-ASCII, leading spaces, IP and email SANs', async () => {
    const [{ signer }] = keys as [typeof keys[number]];
    for (const [subject, sans] of [
      [{ commonName: 'api, inc' }, ['dns:api.acme.example']],
      [{ commonName: 'a+b' }, ['dns:api.acme.example']],
      [{ commonName: 'Zürich' }, ['dns:api.acme.example']],
      [{ commonName: ' api' }, ['dns:api.acme.example']],
      [{ commonName: 'api' }, ['ip:192.0.2.1']],
      [{ commonName: 'api' }, ['email:ops@acme.example']],
    ] as const) {
      const { built, der } = await issue(signer, signer, 'tls-server', subject, sans);
      assert.equal(builtCertificateFacts(built, der), null, JSON.stringify({ subject, sans }));
      assert.ok(certificateFacts(der) !== null, 'the reader reads it instead');
    }
  });

  it('takes the fingerprint from the signed bytes it is given', async () => {
    const [{ signer }] = keys as [typeof keys[number]];
    const { built, der } = await issue(signer, signer, 'mtls', { commonName: 'api' }, ['dns:api.acme.example']);
    const other = await issue(signer, signer, 'mtls', { commonName: 'api' }, ['dns:api.acme.example']);
    assert.notEqual(builtCertificateFacts(built, der)?.fingerprint, builtCertificateFacts(built, other.der)?.fingerprint);
    assert.equal(builtCertificateFacts(built, der)?.fingerprint, certificateFacts(der)?.fingerprint);
  });
});
