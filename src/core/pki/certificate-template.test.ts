// Certificates built by certificate-template.ts and signed by sign-certificate.ts, judged by tools that
// did not write them: OpenSSL 3 (`x509 -text`, `verify -x509_strict`), node:crypto and @peculiar/x509.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import * as asn1js from 'asn1js';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { X509Certificate, generateKeyPairSync, randomBytes } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { keyObjectSigner } from '../../server/signers/key-object-signer.ts';
import { isTrustplaneError } from '../errors.ts';
import { certificateProfileNames } from './certificate-profile.ts';
import type { CertificateProfileName } from './certificate-profile.ts';
import { buildTbsCertificate, issuerFromCertificate, serialInIssueOrder } from './certificate-template.ts';
import type { CertificateTemplate } from './certificate-template.ts';
import { sequence } from './der.ts';
import { failedLints, lintTbsCertificate } from './pre-issuance-lints.ts';
import { signCertificate } from './sign-certificate.ts';
import type { CaKeyAlgorithm, Signer } from './signer.ts';

const keyTypes: readonly { algorithm: CaKeyAlgorithm; generate: () => KeyObject }[] = [
  { algorithm: 'ECDSA-P256', generate: () => generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey },
  { algorithm: 'Ed25519', generate: () => generateKeyPairSync('ed25519').privateKey },
  { algorithm: 'RSA-2048', generate: () => generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey },
];

const urls = {
  crlDistributionPoint: 'http://pki.example.test/crl/issuing.crl',
  caIssuers: 'http://pki.example.test/ca/issuing.der',
  ocsp: 'http://pki.example.test/ocsp',
};

const directory = mkdtempSync(join(tmpdir(), 'trustplane-pki-'));
after(() => rmSync(directory, { recursive: true, force: true }));

const pem = (der: Uint8Array): string =>
  `-----BEGIN CERTIFICATE-----\n${Buffer.from(der).toString('base64').match(/.{1,64}/g)!.join('\n')}\n-----END CERTIFICATE-----\n`;

const writePem = (name: string, der: Uint8Array): string => {
  const path = join(directory, `${name}.pem`);
  writeFileSync(path, pem(der));
  return path;
};

const openssl = (...args: string[]): string => execFileSync('openssl', args, { encoding: 'utf8' });

// Verification runs at a fixed time inside every validity period, so the test does not age.
const verifiedAt = String(Date.parse('2026-02-01T00:00:00Z') / 1000);

type Issued = { der: Uint8Array; signer: Signer };

/** Builds, lints (every lint must pass) and signs one certificate. */
const issue = async (
  profile: CertificateProfileName, subjectSigner: Signer, issuer: Issued | 'self', extra: Partial<CertificateTemplate> = {},
): Promise<Issued> => {
  const issuing = issuer === 'self' ? 'self' : issuerFromCertificate(issuer.der);
  const issuerSigner = issuer === 'self' ? subjectSigner : issuer.signer;
  const template: CertificateTemplate = {
    profile,
    serial: serialInIssueOrder(new Date(), randomBytes(9)),
    subject: { commonName: profile === 'tls-server' || profile === 'mtls' ? 'api.example.test' : `Example ${profile}`, organization: 'Example' },
    issuer: issuing,
    sans: profile === 'tls-server' || profile === 'mtls' ? ['dns:api.example.test', 'ip:10.0.0.7', 'ip:2001:db8::7'] : [],
    notBefore: new Date('2026-01-01T00:00:00Z'),
    notAfter: profile === 'root-ca' ? new Date('2056-01-01T00:00:00Z') : new Date('2026-04-01T00:00:00Z'),
    subjectPublicKey: subjectSigner.publicKey,
    signatureKeyAlgorithm: issuerSigner.keyAlgorithm,
    urls,
    ...extra,
  };
  const tbs = buildTbsCertificate(template);
  assert.deepEqual(failedLints(lintTbsCertificate(tbs, { profile, issuer: issuing })), []);
  return { der: await signCertificate(tbs, issuerSigner), signer: subjectSigner };
};

const leafProfiles = ['tls-server', 'mtls', 'ocsp-responder'] as const;

for (const { algorithm, generate } of keyTypes) {
  describe(`a ${algorithm} chain`, async () => {
    const root = await issue('root-ca', keyObjectSigner(generate(), algorithm), 'self', {
      notBefore: new Date('2025-06-01T00:00:00Z'),
    });
    const intermediate = await issue('intermediate-ca', keyObjectSigner(generate(), algorithm), root, {
      notBefore: new Date('2025-06-01T00:00:00Z'), notAfter: new Date('2030-01-01T00:00:00Z'),
    });
    const leaves = await Promise.all(leafProfiles.map((profile) => issue(profile, keyObjectSigner(generate(), algorithm), intermediate)));
    const rootPath = writePem(`${algorithm}-root`, root.der);
    const intermediatePath = writePem(`${algorithm}-intermediate`, intermediate.der);

    it('verifies every leaf with openssl verify -x509_strict through the intermediate to the root', () => {
      leafProfiles.forEach((profile, index) => {
        const leafPath = writePem(`${algorithm}-${profile}`, leaves[index]!.der);
        const output = openssl('verify', '-x509_strict', '-attime', verifiedAt, '-CAfile', rootPath, '-untrusted', intermediatePath, leafPath);
        assert.equal(output.trim(), `${leafPath}: OK`);
      });
    });

    it('verifies the TLS leaves for their purposes (sslserver, sslclient)', () => {
      const checks = [['tls-server', 'sslserver'], ['mtls', 'sslserver'], ['mtls', 'sslclient']] as const;
      for (const [profile, purpose] of checks) {
        const leafPath = join(directory, `${algorithm}-${profile}.pem`);
        writeFileSync(leafPath, pem(leaves[leafProfiles.indexOf(profile)]!.der));
        const output = openssl('verify', '-x509_strict', '-attime', verifiedAt, '-purpose', purpose, '-CAfile', rootPath, '-untrusted', intermediatePath, leafPath);
        assert.match(output, /: OK$/m);
      }
      const serverPath = join(directory, `${algorithm}-tls-server.pem`);
      const refused = spawnSync('openssl', ['verify', '-attime', verifiedAt, '-purpose', 'sslclient', '-CAfile', rootPath, '-untrusted', intermediatePath, serverPath], { encoding: 'utf8' });
      assert.notEqual(refused.status, 0, 'a serverAuth-only certificate must not verify as a TLS client');
      assert.match(refused.stdout + refused.stderr, /error 26 at 0 depth lookup: unsuitable certificate purpose/);
    });

    it('shows the root as a self-signed CA without revocation pointers or a path length', () => {
      const text = openssl('x509', '-noout', '-text', '-in', rootPath);
      assert.match(text, /X509v3 Basic Constraints: critical\s+CA:TRUE\n/);
      assert.match(text, /X509v3 Key Usage: critical\s+Certificate Sign, CRL Sign/);
      assert.match(text, /X509v3 Subject Key Identifier/);
      assert.match(text, /X509v3 Authority Key Identifier/);
      assert.doesNotMatch(text, /CRL Distribution Points|Authority Information Access|Extended Key Usage/);
      assert.match(text, /Issuer: O = Example, CN = Example root-ca\n/);
    });

    it('shows the intermediate with pathlen 0 and the revocation URLs', () => {
      const text = openssl('x509', '-noout', '-text', '-in', intermediatePath);
      assert.match(text, /X509v3 Basic Constraints: critical\s+CA:TRUE, pathlen:0/);
      assert.match(text, /X509v3 Key Usage: critical\s+Certificate Sign, CRL Sign/);
      assert.match(text, /URI:http:\/\/pki\.example\.test\/crl\/issuing\.crl/);
      assert.match(text, /OCSP - URI:http:\/\/pki\.example\.test\/ocsp/);
      assert.match(text, /CA Issuers - URI:http:\/\/pki\.example\.test\/ca\/issuing\.der/);
    });

    it('shows each leaf profile with its SANs, key usages and revocation URLs', () => {
      const keyUsage = algorithm === 'RSA-2048' ? 'Digital Signature, Key Encipherment' : 'Digital Signature';
      const expected: Record<(typeof leafProfiles)[number], RegExp[]> = {
        'tls-server': [
          /X509v3 Subject Alternative Name: \s+DNS:api\.example\.test, IP Address:10\.0\.0\.7, IP Address:2001:DB8:0:0:0:0:0:7/,
          new RegExp(`X509v3 Key Usage: critical\\s+${keyUsage}\\n`),
          /X509v3 Extended Key Usage: \s+TLS Web Server Authentication\n/,
        ],
        'mtls': [
          /DNS:api\.example\.test/,
          new RegExp(`X509v3 Key Usage: critical\\s+${keyUsage}\\n`),
          /X509v3 Extended Key Usage: \s+TLS Web Server Authentication, TLS Web Client Authentication\n/,
        ],
        'ocsp-responder': [
          /X509v3 Key Usage: critical\s+Digital Signature\n/,
          /X509v3 Extended Key Usage: \s+OCSP Signing\n/,
          /OCSP No Check/,
        ],
      };
      leafProfiles.forEach((profile, index) => {
        const text = openssl('x509', '-noout', '-text', '-in', writePem(`${algorithm}-${profile}-text`, leaves[index]!.der));
        for (const pattern of [
          ...expected[profile],
          /X509v3 Basic Constraints: critical\s+CA:FALSE/,
          /X509v3 Subject Key Identifier/,
          /X509v3 Authority Key Identifier/,
          /X509v3 CRL Distribution Points/,
          /URI:http:\/\/pki\.example\.test\/crl\/issuing\.crl/,
          /Authority Information Access/,
        ]) assert.match(text, pattern, `${profile}: ${pattern}`);
        if (profile === 'ocsp-responder') assert.doesNotMatch(text, /Subject Alternative Name/);
      });
    });

    it('parses with @peculiar/x509 and chains by key identifier, and node:crypto checks the signatures', () => {
      const parsed = [root, intermediate, ...leaves].map(({ der }) => new x509.X509Certificate(der));
      const keyId = (certificate: x509.X509Certificate) => certificate.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId;
      const authorityId = (certificate: x509.X509Certificate) => certificate.getExtension(x509.AuthorityKeyIdentifierExtension)?.keyId;
      const [rootCert, intermediateCert, ...leafCerts] = parsed;
      assert.equal(authorityId(rootCert!), keyId(rootCert!));
      assert.equal(authorityId(intermediateCert!), keyId(rootCert!));
      for (const leaf of leafCerts) assert.equal(authorityId(leaf), keyId(intermediateCert!));
      const nodeRoot = new X509Certificate(root.der);
      const nodeIntermediate = new X509Certificate(intermediate.der);
      assert.ok(nodeRoot.verify(nodeRoot.publicKey));
      assert.ok(nodeIntermediate.verify(nodeRoot.publicKey));
      for (const leaf of leaves) assert.ok(new X509Certificate(leaf.der).verify(nodeIntermediate.publicKey));
    });
  });
}

describe('buildTbsCertificate', () => {
  const signer = keyObjectSigner(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey, 'ECDSA-P256');
  const template: CertificateTemplate = {
    profile: 'tls-server', serial: serialInIssueOrder(new Date(), randomBytes(9)), subject: { commonName: 'a.example.test' }, issuer: 'self',
    sans: ['dns:a.example.test'], notBefore: new Date('2026-01-01T00:00:00Z'), notAfter: new Date('2026-03-01T00:00:00Z'),
    subjectPublicKey: signer.publicKey, signatureKeyAlgorithm: 'ECDSA-P256',
  };

  it('writes UTCTime through 2049 and GeneralizedTime from 2050, in whole seconds (RFC 5280 §4.1.2.5)', () => {
    const tbsDer = buildTbsCertificate({ ...template, notBefore: new Date('2049-12-31T23:59:59.750Z'), notAfter: new Date('2050-01-01T00:00:00Z') });
    const tbs = asn1js.fromBER(tbsDer).result as asn1js.Sequence;
    const validity = tbs.valueBlock.value[4] as asn1js.Sequence;
    const [notBefore, notAfter] = validity.valueBlock.value;
    assert.ok(notBefore instanceof asn1js.UTCTime);
    assert.equal(notBefore.toDate().toISOString(), '2049-12-31T23:59:59.000Z');
    assert.ok(notAfter instanceof asn1js.GeneralizedTime);
    assert.equal(Buffer.from(notAfter.valueBlock.valueHexView).toString('latin1'), '20500101000000Z');
  });

  it('refuses a SAN without a known prefix, or whose value is not of its type', () => {
    for (const san of ['api.example.test', 'dns:bad_name.example', 'ip:10.0.0.300', 'ip:10.0.0.0/8', 'email:nobody', 'uri:not a uri']) {
      assert.throws(() => buildTbsCertificate({ ...template, sans: [san] }), (error) => isTrustplaneError(error) && error.code === 'VALIDATION_FAILED' && error.message.includes(san));
    }
  });

  it('refuses an issuer Name that is not one DER Name', () => {
    for (const name of [Uint8Array.of(0x30, 0x81, 0x00), Uint8Array.of(0x01, 0x02)]) {
      assert.throws(() => buildTbsCertificate({ ...template, issuer: { name, publicKey: signer.publicKey } }), (error) => isTrustplaneError(error) && error.code === 'VALIDATION_FAILED');
    }
  });

  it('marks the SAN critical when the subject is empty (RFC 5280 §4.2.1.6)', async () => {
    const der = await signCertificate(buildTbsCertificate({ ...template, subject: { commonName: '' } }), signer);
    const san = new x509.X509Certificate(der).getExtension(x509.SubjectAlternativeNameExtension);
    assert.equal(san?.critical, true);
  });

  it('gives issuerFromCertificate the exact subject, key and validity of the issuing certificate', async () => {
    const der = await signCertificate(buildTbsCertificate(template), signer);
    const issuing = issuerFromCertificate(der);
    const parsed = new x509.X509Certificate(der);
    assert.deepEqual(Buffer.from(issuing.name), Buffer.from(parsed.subjectName.toArrayBuffer()));
    assert.deepEqual(Buffer.from(issuing.publicKey), Buffer.from(signer.publicKey));
    assert.equal(issuing.notBefore.toISOString(), '2026-01-01T00:00:00.000Z');
    assert.equal(issuing.notAfter.toISOString(), '2026-03-01T00:00:00.000Z');
    assert.throws(() => issuerFromCertificate(Uint8Array.of(1, 2, 3)), (error) => isTrustplaneError(error));
  });
});

describe('serialInIssueOrder', () => {
  const hex = (serial: Uint8Array) => Buffer.from(serial).toString('hex');

  it('is 0x40, the time in milliseconds, then the random octets: positive, 16 octets, its first octet never zero', () => {
    const random = randomBytes(9);
    const serial = serialInIssueOrder(new Date('2026-11-22T10:00:00.123Z'), random);
    assert.equal(serial.length, 16);
    assert.equal(serial[0], 0x40);
    assert.equal(Number.parseInt(hex(serial.subarray(1, 7)), 16), Date.parse('2026-11-22T10:00:00.123Z'));
    assert.deepEqual(Buffer.from(serial.subarray(7)), random);
  });

  it('sorts by issue time, as the hex the database keys on, whatever the random octets', () => {
    const times = ['2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.001Z', '2026-01-01T00:00:01.000Z', '2031-06-30T12:00:00.000Z', '2100-01-01T00:00:00.000Z'];
    const serials = times.map((time, index) => hex(serialInIssueOrder(new Date(time), new Uint8Array(9).fill(index % 2 === 0 ? 0xff : 0x00))));
    assert.deepEqual([...serials].sort(), serials);
  });

  it('refuses random octets other than nine, and times it cannot hold', () => {
    assert.throws(() => serialInIssueOrder(new Date(), randomBytes(8)), RangeError);
    assert.throws(() => serialInIssueOrder(new Date(), randomBytes(10)), RangeError);
    assert.throws(() => serialInIssueOrder(new Date(-1), randomBytes(9)), RangeError);
    assert.throws(() => serialInIssueOrder(new Date(2 ** 48), randomBytes(9)), RangeError);
  });
});

describe('buildTbsCertificate, for many certificates of one issuer', () => {
  const issuerKey = keyObjectSigner(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey, 'ECDSA-P256').publicKey;
  const subjects = keyTypes.map(({ algorithm, generate }) => ({ algorithm, publicKey: keyObjectSigner(generate(), algorithm).publicKey }));
  const template = (profile: CertificateProfileName, subjectPublicKey: Uint8Array, extra: Partial<CertificateTemplate>): CertificateTemplate => ({
    profile, serial: serialInIssueOrder(new Date('2026-01-01T00:00:00Z'), new Uint8Array(9).fill(7)), subject: { commonName: 'api.example.test' },
    issuer: { name: new Uint8Array(sequence()), publicKey: issuerKey }, sans: profile === 'tls-server' || profile === 'mtls' ? ['dns:api.example.test'] : [],
    notBefore: new Date('2026-01-01T00:00:00Z'), notAfter: new Date('2026-04-01T00:00:00Z'), subjectPublicKey, signatureKeyAlgorithm: 'ECDSA-P256', urls, ...extra,
  });

  it('encodes each the same as with an issuer key never seen before: what it reuses depends on profile, key family, path length and URLs', () => {
    for (const profile of certificateProfileNames) {
      for (const subject of subjects) {
        for (const extra of [{}, { urls: { ...urls, ocsp: 'http://other.example.test/ocsp' } }, { urls: {} }, { pathLength: 1 }]) {
          const reused = buildTbsCertificate(template(profile, subject.publicKey, extra));
          const fresh = buildTbsCertificate({ ...template(profile, subject.publicKey, extra), issuer: { name: new Uint8Array(sequence()), publicKey: issuerKey.slice() } });
          assert.deepEqual(Buffer.from(reused), Buffer.from(fresh), `${profile}, ${subject.algorithm} key, ${JSON.stringify(extra)}`);
        }
      }
    }
  });
});
