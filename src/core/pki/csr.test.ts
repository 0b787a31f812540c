// CSRs made by OpenSSL 3 (`openssl req -new`), then damaged on purpose.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parseCsr } from './csr.ts';
import { derBitString, derOctetString, derOid, derSmallInteger, derUtf8String, sequence, setOf, tagged } from './der.ts';
import type { CsrParse } from './csr.ts';
import { checkIssuancePolicy } from './issuance-policy.ts';

const directory = mkdtempSync(join(tmpdir(), 'trustplane-csr-'));
after(() => rmSync(directory, { recursive: true, force: true }));

let made = 0;
/** A CSR from `openssl req -new` for a fresh key of `newKey` (req's -newkey syntax), as PEM. */
const opensslCsr = (newKey: string[], options: { sans?: string; extra?: string[]; subject?: string } = {}): string => {
  made += 1;
  const out = join(directory, `request-${made}.pem`);
  execFileSync('openssl', [
    'req', '-new', ...newKey, '-nodes', '-keyout', join(directory, `key-${made}.pem`), '-subj', options.subject ?? '/O=Example/CN=api.example.test',
    ...(options.sans === undefined ? [] : ['-addext', `subjectAltName=${options.sans}`]), ...(options.extra ?? []), '-out', out,
  ], { stdio: 'pipe' });
  return readFileSync(out, 'utf8');
};

const p256 = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'];

const derOf = (pem: string): Buffer => Buffer.from(pem.replaceAll(/-----[A-Z ]+-----|\s/g, ''), 'base64');
const pemOf = (der: Uint8Array): string =>
  `-----BEGIN CERTIFICATE REQUEST-----\n${Buffer.from(der).toString('base64').match(/.{1,64}/g)!.join('\n')}\n-----END CERTIFICATE REQUEST-----\n`;

const problemOf = (result: CsrParse): string => {
  assert.equal(result.ok, false, 'the CSR should be refused');
  return result.ok ? '' : result.problem;
};

const accepted = (result: CsrParse) => {
  assert.ok(result.ok, result.ok ? '' : result.problem);
  return result.csr;
};

const badSignature = "the CSR's signature does not verify: it was not signed by the key it carries";

describe('parseCsr', () => {
  it('reads a P-256 CSR with SANs of every type Trustplane issues', () => {
    const csr = accepted(parseCsr(opensslCsr(p256, { sans: 'DNS:api.example.test,DNS:*.api.example.test,IP:10.0.0.7,IP:2001:db8::7,URI:spiffe://example.test/api,email:ops@example.test' })));
    assert.equal(csr.keyAlgorithm, 'ECDSA-P256');
    assert.equal(csr.keySize, 256);
    assert.equal(csr.commonName, 'api.example.test');
    assert.deepEqual(csr.sans, ['dns:api.example.test', 'dns:*.api.example.test', 'ip:10.0.0.7', 'ip:2001:db8::7', 'uri:spiffe://example.test/api', 'email:ops@example.test']);
    assert.equal(csr.subjectPublicKey[0], 0x30, 'the key is a DER SubjectPublicKeyInfo');
  });

  it('reads an RSA-2048 CSR without SANs, and an Ed25519 CSR with them', () => {
    const rsa = accepted(parseCsr(opensslCsr(['-newkey', 'rsa:2048'])));
    assert.deepEqual([rsa.keyAlgorithm, rsa.keySize, rsa.sans, rsa.commonName], ['RSA-2048', 2048, [], 'api.example.test']);
    const ed25519 = accepted(parseCsr(opensslCsr(['-newkey', 'ed25519'], { sans: 'DNS:api.example.test' })));
    assert.deepEqual([ed25519.keyAlgorithm, ed25519.keySize, ed25519.sans], ['Ed25519', 256, ['dns:api.example.test']]);
  });

  it('reads the same CSR as PEM text, PEM bytes and DER bytes; a CSR without a CN has commonName null', () => {
    const pem = opensslCsr(p256, { subject: '/O=Example', sans: 'DNS:api.example.test' });
    const results = [parseCsr(pem), parseCsr(new TextEncoder().encode(pem)), parseCsr(derOf(pem))].map(accepted);
    for (const csr of results) assert.deepEqual(csr, results[0]);
    assert.equal(results[0]!.commonName, null);
  });

  it('reads an RSA-1024 CSR as RSA-1024, which a policy listing key algorithms then refuses', () => {
    const csr = accepted(parseCsr(opensslCsr(['-newkey', 'rsa:1024'])));
    assert.equal(csr.keyAlgorithm, 'RSA-1024');
    const problems = checkIssuancePolicy(
      { keyAlgorithms: ['RSA-2048', 'ECDSA-P256'], requireManagedStorage: false, allowThirdPartyExposure: false },
      { keyAlgorithm: csr.keyAlgorithm, sans: null, notBefore: new Date('2026-01-01T00:00:00Z'), notAfter: new Date('2026-02-01T00:00:00Z'), sourceId: 'api' },
    );
    assert.deepEqual(problems, ['policy.keyAlgorithms allows RSA-2048, ECDSA-P256 but the key is RSA-1024']);
  });

  it('refuses a CSR whose signature was corrupted, or whose content was changed after signing', () => {
    for (const newKey of [p256, ['-newkey', 'rsa:2048'], ['-newkey', 'ed25519']]) {
      const der = derOf(opensslCsr(newKey));
      const flippedSignature = Buffer.from(der);
      flippedSignature[flippedSignature.length - 2]! ^= 0x01;
      assert.equal(problemOf(parseCsr(pemOf(flippedSignature))), badSignature);
      const changedName = Buffer.from(der.toString('latin1').replace('api.example.test', 'www.example.test'), 'latin1');
      assert.equal(problemOf(parseCsr(changedName)), badSignature);
    }
  });

  it('refuses garbage, text that is not PEM, and damaged PEM', () => {
    assert.match(problemOf(parseCsr(randomBytes(300))), /not (one DER structure|a certificate signing request)/);
    assert.match(problemOf(parseCsr('hello')), /no PEM block was found/);
    assert.match(problemOf(parseCsr('-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n')), /no END line/);
    assert.match(problemOf(parseCsr('-----BEGIN CERTIFICATE REQUEST-----\nMI*B\n-----END CERTIFICATE REQUEST-----\n')), /not valid base64/);
    assert.match(problemOf(parseCsr(new Uint8Array(0))), /empty/);
  });

  it('refuses a certificate given instead of a CSR, as PEM and as DER', () => {
    const out = join(directory, 'certificate.pem');
    execFileSync('openssl', ['req', '-x509', '-new', ...p256, '-nodes', '-keyout', join(directory, 'certificate.key'), '-subj', '/CN=x', '-days', '1', '-out', out], { stdio: 'pipe' });
    const pem = readFileSync(out, 'utf8');
    assert.match(problemOf(parseCsr(pem)), /this is a certificate, not a certificate signing request/);
    assert.match(problemOf(parseCsr(derOf(pem))), /this is a certificate, not a certificate signing request/);
  });

  it('refuses input over 64 KiB before reading it', () => {
    assert.match(problemOf(parseCsr(new Uint8Array(64 * 1024 + 1))), /larger than 64 KiB/);
    assert.match(problemOf(parseCsr('-'.repeat(64 * 1024 + 1))), /larger than 64 KiB/);
  });

  it('refuses SHA-1 signatures, unknown signature algorithms and keys it cannot certify', () => {
    assert.match(problemOf(parseCsr(opensslCsr(['-newkey', 'rsa:2048'], { extra: ['-sha1'] }))), /SHA-1/);
    assert.match(problemOf(parseCsr(opensslCsr(['-newkey', 'rsa-pss', '-pkeyopt', 'rsa_keygen_bits:2048']))), /RSA-PSS/);
    assert.match(problemOf(parseCsr(opensslCsr(['-newkey', 'ed448']))), /algorithm 1\.3\.101\.113, which Trustplane does not verify/);
    assert.match(problemOf(parseCsr(opensslCsr(['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:secp256k1']))), /unknown:1\.3\.132\.0\.10 key, which Trustplane cannot verify or certify/);
  });

  it('never throws on damaged DER, and refuses every truncation and every flipped bit pattern', () => {
    const der = derOf(opensslCsr(p256, { sans: 'DNS:api.example.test' }));
    accepted(parseCsr(der));
    for (let length = 0; length < der.length; length += 1) assert.equal(parseCsr(der.subarray(0, length)).ok, false, `cut to ${length} bytes`);
    for (let index = 0; index < der.length; index += 1) {
      for (const mask of [0x01, 0x80, 0xff]) {
        const damaged = Buffer.from(der);
        damaged[index]! ^= mask;
        assert.ok(problemOf(parseCsr(damaged)).length > 0, `byte ${index} ^ ${mask}`);
      }
    }
  });
});

describe('parseCsr on requests signed correctly but not well formed', () => {
  // Requests built here and signed with their own key, so that only their shape is wrong.
  const signed = (subject: Uint8Array, extensions: readonly Uint8Array[]): string => {
    const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const info = sequence(
      derSmallInteger(0), subject, publicKey.export({ type: 'spki', format: 'der' }),
      tagged(0xa0, sequence(derOid('1.2.840.113549.1.9.14'), setOf(sequence(...extensions)))),
    );
    const request = sequence(info, sequence(derOid('1.2.840.10045.4.3.2')), derBitString(sign('sha256', info, privateKey)));
    return pemOf(request);
  };
  const name = (value: Uint8Array) => sequence(setOf(sequence(derOid('2.5.4.3'), value)));
  const san = (host: string) => sequence(tagged(0x82, Buffer.from(host, 'latin1')));
  const sanExtension = (oid: Uint8Array, ...rest: Uint8Array[]) => sequence(oid, ...rest);

  it('reads a well-formed one', () => {
    const csr = accepted(parseCsr(signed(name(derUtf8String('a.example.test')), [sanExtension(derOid('2.5.29.17'), derOctetString(san('a.example.test')))])));
    assert.deepEqual([csr.commonName, csr.sans], ['a.example.test', ['dns:a.example.test']]);
  });

  it('refuses an extension OID padded or unfinished, which other readers would not see as a SAN', () => {
    for (const oid of [Uint8Array.of(0x06, 0x04, 0x55, 0x1d, 0x80, 0x11), Uint8Array.of(0x06, 0x04, 0x55, 0x1d, 0x11, 0x81)]) {
      assert.match(problemOf(parseCsr(signed(name(derUtf8String('a.example.test')), [sanExtension(oid, derOctetString(san('evil.example.com')))]))), /not DER/);
    }
  });

  it('refuses an extension with a fourth element, or a second element that is not the critical flag', () => {
    assert.match(problemOf(parseCsr(signed(name(derUtf8String('a')), [sanExtension(derOid('2.5.29.17'), derOctetString(san('a.test')), derOctetString(san('evil.test')))]))), /not an extension/);
    assert.match(problemOf(parseCsr(signed(name(derUtf8String('a')), [sanExtension(derOid('2.5.29.17'), derOctetString(san('a.test')), derOctetString(san('evil.test')), derOctetString(san('x.test')))]))), /not an extension/);
  });

  it('refuses a common name that is not a directory string, or not UTF-8', () => {
    const extensions = [sanExtension(derOid('2.5.29.17'), derOctetString(san('a.example.test')))];
    assert.match(problemOf(parseCsr(signed(name(Uint8Array.of(0x02, 0x02, 0x01, 0x02)), extensions))), /subject is not a DER Name/);
    assert.match(problemOf(parseCsr(signed(name(tagged(0x0c, Uint8Array.of(0xc3, 0x28))), extensions))), /subject is not a DER Name/);
  });

  it('keeps no refusal to hand the next caller', () => {
    const first = parseCsr('not a csr');
    assert.equal(first.ok, false);
    (first as { problem: string }).problem = 'changed';
    assert.notEqual(problemOf(parseCsr('not a csr')), 'changed');
  });
});
