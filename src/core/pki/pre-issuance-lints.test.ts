import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import { BasicConstraints, Extension, Extensions, KeyUsage, KeyUsageFlags, TBSCertificate } from '@peculiar/asn1-x509';
import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { describe, it } from 'node:test';
import { ocspNoCheckOid } from './certificate-profile.ts';
import { buildTbsCertificate, serialInIssueOrder, serialRandomOctets } from './certificate-template.ts';
import type { CertificateTemplate } from './certificate-template.ts';
import { failedLints, lintNames, lintTbsCertificate } from './pre-issuance-lints.ts';
import type { LintContext } from './pre-issuance-lints.ts';

const spki = (key: KeyObject): Uint8Array => new Uint8Array(key.export({ type: 'spki', format: 'der' }));
const ecKey = (namedCurve: string) => spki(generateKeyPairSync('ec', { namedCurve }).publicKey);
const rsaKey = (modulusLength: number) => spki(generateKeyPairSync('rsa', { modulusLength }).publicKey);
const ed25519Key = () => spki(generateKeyPairSync('ed25519').publicKey);

const issuerKey = ecKey('P-256');
const issuerName = Uint8Array.from(Buffer.from('301c311a301806035504030c114578616d706c6520497373756572204341', 'hex'));
const issuer = { publicKey: issuerKey, notBefore: new Date('2026-01-01T00:00:00Z'), notAfter: new Date('2027-01-01T00:00:00Z') };

const good: CertificateTemplate = {
  profile: 'tls-server',
  serial: Uint8Array.from(Buffer.from('4001a2b3c4d5e6f708192a3b4c5d6e7f', 'hex')),
  subject: { commonName: 'api.example.test' },
  issuer: { name: issuerName, publicKey: issuerKey },
  sans: ['dns:api.example.test', 'ip:10.0.0.7'],
  notBefore: new Date('2026-02-01T00:00:00Z'),
  notAfter: new Date('2026-05-01T00:00:00Z'),
  subjectPublicKey: ecKey('P-256'),
  signatureKeyAlgorithm: 'ECDSA-P256',
  urls: { crlDistributionPoint: 'http://pki.example.test/crl' },
};
const context: LintContext = { profile: 'tls-server', issuer };

const failed = (tbs: Uint8Array, lintContext: LintContext = context): string[] =>
  failedLints(lintTbsCertificate(tbs, lintContext)).map((result) => result.name);

/** Lints `template` merged over the good one and returns the names of the failed lints. */
const failedFor = (changes: Partial<CertificateTemplate>, lintContext: LintContext = context): string[] =>
  failed(buildTbsCertificate({ ...good, ...changes }), lintContext);

/** Changes the TBS after the builder, to make what the builder never would. */
const edited = (template: CertificateTemplate, edit: (tbs: TBSCertificate) => void): Uint8Array => {
  const tbs = AsnConvert.parse(buildTbsCertificate(template), TBSCertificate);
  edit(tbs);
  return new Uint8Array(AsnConvert.serialize(tbs));
};

const withExtensions = (tbs: TBSCertificate, change: (extensions: Extension[]) => Extension[]) => {
  tbs.extensions = new Extensions(change([...tbs.extensions!]));
};

const replaceExtension = (oid: string, replacement: Extension) => (tbs: TBSCertificate) =>
  withExtensions(tbs, (extensions) => extensions.map((extension) => extension.extnID === oid ? replacement : extension));

describe('pre-issuance lints', () => {
  it('passes every lint, by name, for a good certificate of each profile', () => {
    const results = lintTbsCertificate(buildTbsCertificate(good), context);
    assert.deepEqual(results.map((result) => result.name), lintNames);
    assert.ok(results.every((result) => result.passed && result.message !== ''));
    assert.deepEqual(failedFor({ profile: 'mtls' }, { ...context, profile: 'mtls' }), []);
    assert.deepEqual(failedFor({ profile: 'ocsp-responder', sans: [] }, { ...context, profile: 'ocsp-responder' }), []);
    assert.deepEqual(failedFor({ profile: 'intermediate-ca', sans: [], subject: { commonName: 'Issuing CA' } }, { ...context, profile: 'intermediate-ca' }), []);
    assert.deepEqual(failedFor({ profile: 'root-ca', issuer: 'self', sans: [], subject: { commonName: 'Root' } }, { profile: 'root-ca', issuer: 'self' }), []);
    assert.deepEqual(failedFor({ subjectPublicKey: rsaKey(2048) }), []);
    assert.deepEqual(failedFor({ subjectPublicKey: ed25519Key() }), []);
  });

  it('serial-positive fails for a zero or negative serial', () => {
    assert.ok(failedFor({ serial: Uint8Array.of(0) }).includes('serial-positive'));
    // Negative, and so not Trustplane's layout either.
    const negative = edited(good, (tbs) => { tbs.serialNumber = Uint8Array.of(0x80, 1, 2, 3, 4, 5, 6, 7, 8).buffer; });
    assert.deepEqual(failed(negative).sort(), ['serial-entropy-64-bits', 'serial-positive']);
  });

  it('serial-entropy-64-bits fails for any serial not laid out as serialInIssueOrder makes it, and for one whose random part is all zero', () => {
    const fromIssue = serialInIssueOrder(new Date('2026-11-22T12:00:00.000Z'), randomBytes(serialRandomOctets));
    assert.deepEqual(failedFor({ serial: fromIssue }), []);
    assert.deepEqual(failedFor({ serial: Uint8Array.of(1, 2, 3, 4) }), ['serial-entropy-64-bits']);
    assert.deepEqual(failedFor({ serial: new Uint8Array(21).fill(0x11) }), ['serial-entropy-64-bits']);
    assert.deepEqual(failedFor({ serial: Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0, 1) }).sort(), ['serial-entropy-64-bits']);
    // Eight significant octets with a time prefix leave 8 random bits: room for 64 is not enough.
    assert.deepEqual(failedFor({ serial: Uint8Array.from(Buffer.from('4001a202b2c57be6', 'hex')) }), ['serial-entropy-64-bits']);
    assert.deepEqual(failedFor({ serial: Uint8Array.from([0x41, ...fromIssue.subarray(1)]) }), ['serial-entropy-64-bits']);
    const zeroRandom = serialInIssueOrder(new Date('2026-11-22T12:00:00.000Z'), new Uint8Array(serialRandomOctets));
    const result = lintTbsCertificate(buildTbsCertificate({ ...good, serial: zeroRandom }), context).find((entry) => entry.name === 'serial-entropy-64-bits');
    assert.equal(result?.message, 'the serial number\'s 72 random bits are all zero');
  });

  it('validity-ordered fails when notAfter is before notBefore', () => {
    assert.deepEqual(failedFor({ notBefore: new Date('2026-05-01T00:00:00Z'), notAfter: new Date('2026-02-01T00:00:00Z') }), ['validity-ordered']);
  });

  it("validity-inside-issuer fails when the validity reaches outside the issuer's", () => {
    assert.deepEqual(failedFor({ notAfter: new Date('2027-06-01T00:00:00Z') }), ['validity-inside-issuer']);
    assert.deepEqual(failedFor({ notBefore: new Date('2025-12-01T00:00:00Z') }), ['validity-inside-issuer']);
  });

  it('san-present fails for a TLS certificate without SANs', () => {
    assert.ok(failedFor({ sans: [] }).includes('san-present'));
  });

  it('san-matches-subject-cn fails when the CN is not among the SANs', () => {
    assert.deepEqual(failedFor({ subject: { commonName: 'other.example.test' } }), ['san-matches-subject-cn']);
    assert.deepEqual(failedFor({ subject: { commonName: 'API.Example.Test' } }), [], 'DNS names compare without case');
    assert.deepEqual(failedFor({ subject: { commonName: '\u212Api.example.test' }, sans: ['dns:kpi.example.test'] }), ['san-matches-subject-cn'], 'only ASCII case: a Kelvin sign is not a k');
  });

  it('key-usage-matches-profile fails for other bits or a non-critical keyUsage', () => {
    const caBits = new Extension({ extnID: '2.5.29.15', critical: true, extnValue: new OctetString(AsnConvert.serialize(new KeyUsage(KeyUsageFlags.keyCertSign))) });
    assert.deepEqual(failed(edited(good, replaceExtension('2.5.29.15', caBits))), ['key-usage-matches-profile']);
    const notCritical = new Extension({ extnID: '2.5.29.15', critical: false, extnValue: new OctetString(AsnConvert.serialize(new KeyUsage(KeyUsageFlags.digitalSignature))) });
    assert.deepEqual(failed(edited(good, replaceExtension('2.5.29.15', notCritical))), ['key-usage-matches-profile']);
  });

  it('extended-key-usage-matches-profile fails for a certificate with another EKU than its profile', () => {
    assert.deepEqual(failedFor({ profile: 'mtls' }), ['extended-key-usage-matches-profile']);
  });

  it('ocsp-no-check-matches-profile fails for a responder certificate without id-pkix-ocsp-nocheck', () => {
    const responder: CertificateTemplate = { ...good, profile: 'ocsp-responder', sans: [] };
    const tbs = edited(responder, (certificate) => withExtensions(certificate, (extensions) => extensions.filter((e) => e.extnID !== ocspNoCheckOid)));
    assert.deepEqual(failed(tbs, { ...context, profile: 'ocsp-responder' }), ['ocsp-no-check-matches-profile']);
  });

  it('subject-key-identifier-present fails without a subjectKeyIdentifier', () => {
    const tbs = edited(good, (certificate) => withExtensions(certificate, (extensions) => extensions.filter((e) => e.extnID !== '2.5.29.14')));
    assert.deepEqual(failed(tbs), ['subject-key-identifier-present']);
  });

  it('authority-key-identifier-matches-issuer fails when the issuer is another key', () => {
    const otherIssuer = { ...issuer, publicKey: ecKey('P-256') };
    assert.deepEqual(failedFor({}, { ...context, issuer: otherIssuer }), ['authority-key-identifier-matches-issuer']);
  });

  it('basic-constraints-leaf fails for a leaf that says cA true', () => {
    const ca = new Extension({ extnID: '2.5.29.19', critical: true, extnValue: new OctetString(AsnConvert.serialize(new BasicConstraints({ cA: true }))) });
    assert.deepEqual(failed(edited(good, replaceExtension('2.5.29.19', ca))), ['basic-constraints-leaf']);
  });

  it('basic-constraints-ca fails for a CA whose basicConstraints is not critical', () => {
    const intermediate: CertificateTemplate = { ...good, profile: 'intermediate-ca', sans: [] };
    const loose = new Extension({ extnID: '2.5.29.19', critical: false, extnValue: new OctetString(AsnConvert.serialize(new BasicConstraints({ cA: true, pathLenConstraint: 0 }))) });
    assert.deepEqual(failed(edited(intermediate, replaceExtension('2.5.29.19', loose)), { ...context, profile: 'intermediate-ca' }), ['basic-constraints-ca']);
  });

  it('revocation-pointers-match-profile fails for a root with a CRL Distribution Point', () => {
    const rootLike: Partial<CertificateTemplate> = { profile: 'intermediate-ca', issuer: 'self', sans: [], subject: { commonName: 'Root' } };
    assert.deepEqual(failedFor(rootLike, { profile: 'root-ca', issuer: 'self' }), ['revocation-pointers-match-profile']);
  });

  it("signature-algorithm-matches-issuer-key fails when the signature field is not the issuer key's algorithm", () => {
    assert.deepEqual(failedFor({ signatureKeyAlgorithm: 'ECDSA-P384' }), ['signature-algorithm-matches-issuer-key']);
    assert.deepEqual(failedFor({ signatureKeyAlgorithm: 'RSA-2048' }), ['signature-algorithm-matches-issuer-key']);
  });

  it('subject-key-not-weak fails for RSA-1024 and for curves other than P-256 and P-384', () => {
    const rsa1024 = lintTbsCertificate(buildTbsCertificate({ ...good, subjectPublicKey: rsaKey(1024) }), context);
    assert.deepEqual(failedLints(rsa1024).map((result) => result.name), ['subject-key-not-weak']);
    assert.match(failedLints(rsa1024)[0]!.message, /RSA-1024/);
    assert.deepEqual(failedFor({ subjectPublicKey: ecKey('P-521') }), ['subject-key-not-weak']);
  });

  it('no-duplicate-extensions fails when an extension appears twice', () => {
    const tbs = edited(good, (certificate) => withExtensions(certificate, (extensions) => [...extensions, extensions.find((e) => e.extnID === '2.5.29.17')!]));
    assert.deepEqual(failed(tbs), ['no-duplicate-extensions']);
  });

  it('tbs-well-formed fails, and no other lint passes, for bytes that are not one DER TBSCertificate', () => {
    // keyUsage marked critical with BER's TRUE (01) where DER writes FF (X.690 §11.1): same length, not DER.
    const berTrue = Buffer.from(Buffer.from(buildTbsCertificate(good)).toString('hex').replace('0603551d0f0101ff', '0603551d0f010101'), 'hex');
    assert.notDeepEqual(berTrue, Buffer.from(buildTbsCertificate(good)));
    for (const bytes of [Uint8Array.of(1, 2, 3), Uint8Array.from([...buildTbsCertificate(good), 0]), berTrue]) {
      const results = lintTbsCertificate(bytes, context);
      assert.deepEqual(results.map((result) => result.name), lintNames);
      assert.ok(results.every((result) => !result.passed));
    }
  });
});
