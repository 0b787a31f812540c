// OCSP as clients use it: a CA, a delegated responder (id-kp-OCSPSigning, ocsp-nocheck) and leaves made
// by the openssl CLI; requests made by `openssl ocsp -reqout`; answers checked by `openssl ocsp -respin`,
// which verifies the signature, the responder's delegation and the nonce, and prints each status.
import assert from 'node:assert/strict';
import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import { openssl, opensslOk, scratchDirectory } from '../../../test/support/openssl.ts';
import { keyObjectSigner } from '../../server/signers/key-object-signer.ts';
import { isTrustplaneError } from '../errors.ts';
import { issuerFromCertificate } from './certificate-template.ts';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import { CertID, OCSPRequest, Request, TBSRequest, id_pkix_ocsp_nonce } from '@peculiar/asn1-ocsp';
import { AlgorithmIdentifier, Extension } from '@peculiar/asn1-x509';
import { buildOcspRequest, readOcspResponse } from './ocsp-client.ts';
import {
  buildOcspResponse, createOcspResponder, issuerMatches, maxOcspCertIds, maxOcspRequestBytes, ocspErrorResponse, ocspRequestFromGetPath, parseOcspRequest,
} from './ocsp.ts';
import type { OcspCertStatus, OcspRequest, OcspStatusLookup } from './ocsp.ts';
import { crlReasonCodes, crlReasonName } from './revocation-reasons.ts';

const scratch = scratchDirectory();
after(() => scratch.cleanUp());

const run = (args: string[]): string => opensslOk(args, scratch.path);
const der = (name: string): Uint8Array => readFileSync(scratch.file(name));

scratch.file('extensions.cnf', [
  '[req]', 'distinguished_name = dn', '[dn]',
  '[ca]', 'basicConstraints = critical,CA:TRUE', 'keyUsage = critical,keyCertSign,cRLSign', 'subjectKeyIdentifier = hash',
  '[responder]', 'basicConstraints = CA:FALSE', 'keyUsage = critical,digitalSignature', 'extendedKeyUsage = OCSPSigning', 'noCheck = ignored',
  '[leaf]', 'basicConstraints = CA:FALSE', 'keyUsage = critical,digitalSignature', 'extendedKeyUsage = serverAuth', '',
].join('\n'));

const p256 = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'];

const makeCa = (name: string): void => {
  run(['req', '-x509', '-new', ...p256, '-nodes', '-keyout', `${name}.key`, '-subj', `/O=Example/CN=${name}`, '-days', '30', '-config', 'extensions.cnf', '-extensions', 'ca', '-out', `${name}.pem`]);
  run(['x509', '-in', `${name}.pem`, '-outform', 'DER', '-out', `${name}.der`]);
};

const issue = (ca: string, name: string, section: string, serial: string, newKey = p256): void => {
  run(['req', '-new', ...newKey, '-nodes', '-keyout', `${name}.key`, '-subj', `/CN=${name}`, '-out', `${name}.csr`]);
  run(['x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.pem`, '-CAkey', `${ca}.key`, '-set_serial', `0x${serial}`, '-days', '7', '-extfile', 'extensions.cnf', '-extensions', section, '-out', `${name}.pem`]);
  run(['x509', '-in', `${name}.pem`, '-outform', 'DER', '-out', `${name}.der`]);
};

makeCa('ca');
makeCa('other-ca');
issue('ca', 'responder', 'responder', '5e');
issue('ca', 'responder-ed25519', 'responder', '5f', ['-newkey', 'ed25519']);
const serials = { good: '0a01', revoked: '8badf00d', unknown: '0a03' } as const;
for (const [name, serial] of Object.entries(serials)) issue('ca', name, 'leaf', serial);
issue('other-ca', 'stranger', 'leaf', '0a01');

const responderSigner = keyObjectSigner(createPrivateKey(readFileSync(scratch.file('responder.key'))), 'ECDSA-P256');
const responder = createOcspResponder({ issuerCertificate: der('ca.der'), responderCertificate: der('responder.der'), signer: responderSigner });

const revokedAt = new Date('2026-02-03T04:05:06Z');
const statuses: Record<string, OcspCertStatus> = {
  [serials.good]: { kind: 'good' },
  [serials.revoked]: { kind: 'revoked', revokedAt, reason: crlReasonCodes.keyCompromise },
};
const lookup: OcspStatusLookup = async (asked) => asked.map((serial) => statuses[serial] ?? { kind: 'unknown' });

let requests = 0;
/** A request file made by `openssl ocsp`, for the named leaves (`-sha256` etc. may precede a -cert). */
const opensslRequest = (certificateArguments: string[], extra: string[] = [], issuer = 'ca.pem'): string => {
  requests += 1;
  const file = `request-${requests}.der`;
  run(['ocsp', '-issuer', issuer, ...certificateArguments, ...extra, '-reqout', file]);
  return file;
};

const accepted = (der: Uint8Array): OcspRequest => {
  const parsed = parseOcspRequest(der);
  assert.ok(parsed.ok, parsed.ok ? '' : parsed.problem);
  return parsed.request;
};

/**
 * `openssl ocsp -respin` over an answer, as a client checks it: first against the request file (signature,
 * delegation, nonce; the full text), then for the named certificates (their statuses). Output and errors together.
 */
const opensslReads = (response: Uint8Array, requestFile: string, certificates: string[], certIdOptions: string[] = []): string => {
  const responseFile = scratch.file(`response-${requests}.der`, response);
  const read = (args: string[]) => {
    const result = openssl(['ocsp', '-respin', responseFile, '-CAfile', 'ca.pem', ...args], scratch.path);
    return result.stdout + result.stderr;
  };
  return read(['-reqin', requestFile, '-resp_text'])
    + read(['-issuer', 'ca.pem', ...certIdOptions, ...certificates.flatMap((name) => ['-cert', `${name}.pem`]), '-no_nonce']);
};

/** An OCSPRequest built field by field, for what openssl will not send. */
const requestOf = (options: { serial?: Uint8Array; hashLength?: number; version?: number; criticalNonce?: boolean }): Uint8Array => {
  const hashLength = options.hashLength ?? 20;
  const certId = new CertID({
    hashAlgorithm: new AlgorithmIdentifier({ algorithm: '1.3.14.3.2.26', parameters: null }),
    issuerNameHash: new OctetString(hashLength), issuerKeyHash: new OctetString(hashLength),
    serialNumber: (options.serial ?? Uint8Array.of(0x0a, 0x01)).slice().buffer,
  });
  const tbsRequest = new TBSRequest({
    requestList: [new Request({ reqCert: certId })],
    ...(options.criticalNonce === undefined ? {} : {
      requestExtensions: [new Extension({ extnID: id_pkix_ocsp_nonce, critical: options.criticalNonce, extnValue: new OctetString(AsnConvert.serialize(new OctetString(Uint8Array.of(1, 2, 3)))) })],
    }),
  });
  const encoded = new Uint8Array(AsnConvert.serialize(new OCSPRequest({ tbsRequest })));
  if (options.version === undefined) return encoded;
  // asn1-schema leaves a DEFAULT version out, as DER asks; write it in: [0] EXPLICIT INTEGER.
  const tbs = encoded.subarray(2 + 2);
  const withVersion = Uint8Array.of(0xa0, 0x03, 0x02, 0x01, options.version, ...tbs.subarray(0, tbs.length));
  return Uint8Array.of(0x30, withVersion.length + 2, 0x30, withVersion.length, ...withVersion);
};

describe('parseOcspRequest', () => {
  it('reads openssl\'s requests: SHA-1 and SHA-256 CertIDs, serials as stored, the nonce', () => {
    const file = opensslRequest(['-cert', 'revoked.pem', '-sha256', '-cert', 'good.pem']);
    const body = der(file);
    const request = accepted(body);
    assert.deepEqual(request.certIds.map((certId) => [certId.hashAlgorithm, certId.serial]), [['sha1', '8badf00d'], ['sha256', '0a01']]);
    assert.equal(request.nonce?.length, 16, 'openssl sends a 16-octet nonce');
    const text = run(['ocsp', '-reqin', file, '-req_text']);
    assert.match(text, new RegExp(`OCSP Nonce: \\n\\s+0410${Buffer.from(request.nonce!).toString('hex').toUpperCase()}`));
    const [raw, nonce] = [Buffer.from(request.certIds[0]!.raw), Buffer.from(request.nonce!)];
    body.fill(0);
    assert.deepEqual([Buffer.from(request.certIds[0]!.raw), Buffer.from(request.nonce!)], [raw, nonce], 'what is read shares no memory with the request body');
    assert.equal(accepted(der(opensslRequest(['-cert', 'good.pem'], ['-no_nonce']))).nonce, null);
  });

  it('matches CertIDs to their issuer by name and key hash', () => {
    const ca = issuerFromCertificate(der('ca.der'));
    const other = issuerFromCertificate(der('other-ca.der'));
    const [sha1, sha256] = accepted(der(opensslRequest(['-cert', 'good.pem', '-sha256', '-cert', 'revoked.pem']))).certIds;
    assert.ok(issuerMatches(sha1!, ca) && issuerMatches(sha256!, ca));
    assert.ok(!issuerMatches(sha1!, other) && !issuerMatches(sha256!, other));
    assert.ok(!issuerMatches(sha1!, { name: other.name, publicKey: ca.publicKey }), 'the name hash counts');
    assert.ok(!issuerMatches(sha1!, { name: ca.name, publicKey: other.publicKey }), 'the key hash counts');
  });

  it('reads a signed request (requestorName, optionalSignature) and an explicit version and critical flag, which DER allows', () => {
    const signed = accepted(der(opensslRequest(['-cert', 'good.pem'], ['-signer', 'good.pem', '-signkey', 'good.key'])));
    assert.deepEqual(signed.certIds.map((certId) => certId.serial), ['0a01']);
    const crafted = accepted(requestOf({ version: 0, criticalNonce: true, serial: Uint8Array.of(0) }));
    assert.deepEqual([crafted.certIds[0]?.serial, crafted.nonce], ['00', Uint8Array.of(1, 2, 3)]);
  });

  it('refuses CertIDs no certificate of ours can have', () => {
    const problemOf = (request: Uint8Array) => {
      const parsed = parseOcspRequest(request);
      return parsed.ok ? 'accepted' : parsed.problem;
    };
    assert.equal(problemOf(requestOf({ serial: Uint8Array.of(0x80, 0x01) })), 'the CertID has a negative or empty serial number');
    assert.equal(problemOf(requestOf({ serial: new Uint8Array(0) })), 'the CertID has a negative or empty serial number');
    assert.equal(problemOf(requestOf({ serial: Uint8Array.of(0, ...new Array(21).fill(0x7f)) })), 'the CertID has a serial number longer than 20 octets');
    assert.equal(problemOf(requestOf({ serial: Uint8Array.of(0, 0x80, ...new Array(19).fill(1)) })), 'accepted', '20 octets with the sign octet are fine');
    assert.equal(problemOf(requestOf({ hashLength: 32 })), "the CertID's issuer hashes are not sha1 digests");
    assert.equal(problemOf(requestOf({ version: 1 })), 'the request is not version 1, the only one there is');
  });

  it('refuses hostile and malformed input with a problem, never a throw', () => {
    const real = der(opensslRequest(['-cert', 'good.pem']));
    const problemOf = (input: Uint8Array): string => {
      const parsed = parseOcspRequest(input);
      assert.equal(parsed.ok, false, `refused: ${Buffer.from(input.subarray(0, 16)).toString('hex')}`);
      return parsed.ok ? '' : parsed.problem;
    };
    const notDer = /^the request is not a DER OCSPRequest \(RFC 6960 §4\.1\.1\)$/;
    assert.match(problemOf(new Uint8Array(0)), notDer);
    assert.match(problemOf(Buffer.from('this is not an OCSP request')), notDer);
    assert.match(problemOf(real.subarray(0, real.length - 3)), notDer, 'truncated');
    assert.match(problemOf(Buffer.concat([real, Uint8Array.of(0)])), notDer, 'trailing octets');
    assert.match(problemOf(new Uint8Array(maxOcspRequestBytes + 1)), /at most 8192 are read/);
    assert.match(problemOf(Buffer.concat([Buffer.alloc(4000, Buffer.from([0x30, 0x80])), Buffer.alloc(4000)])), notDer, 'BER indefinite lengths');
    assert.ok(real[1]! < 0x80, 'the request is short enough for a short-form length');
    const longForm = Buffer.concat([Uint8Array.of(0x30, 0x81, real[1]!), real.subarray(2)]);
    assert.match(problemOf(longForm), notDer, 'a length in long form where the short form fits is not DER');
    const many = Array.from({ length: maxOcspCertIds + 1 }, () => ['-cert', 'good.pem']).flat();
    assert.match(problemOf(der(opensslRequest(many))), /asks about 17 certificates; ask about 1 to 16/);
    assert.match(problemOf(der(opensslRequest(['-sha384', '-cert', 'good.pem']))), /hash algorithm 2\.16\.840\.1\.101\.3\.4\.2\.2 is not SHA-1 or SHA-256/);
    assert.match(problemOf(buildOcspRequest(der('good.der'), der('ca.der'), new Uint8Array(33))), /nonce is not an OCTET STRING of 1 to 32 octets/);
    assert.equal(parseOcspRequest(buildOcspRequest(der('good.der'), der('ca.der'), new Uint8Array(32))).ok, true);
    for (let round = 0; round < 2000; round += 1) {
      const noise = Buffer.from(Array.from({ length: Math.floor(Math.random() * 200) }, () => Math.floor(Math.random() * 256)));
      if (round % 2 === 0 && noise.length > 2) [noise[0], noise[1]] = [0x30, noise.length - 2 > 127 ? 0x81 : noise.length - 2];
      assert.doesNotThrow(() => parseOcspRequest(noise));
    }
    // Every truncation and every single flipped octet of a real request: an answer, not an exception.
    for (let length = 0; length < real.length; length += 1) assert.equal(parseOcspRequest(real.subarray(0, length)).ok, false);
    for (let index = 0; index < real.length; index += 1) {
      for (const mask of [0x01, 0x80, 0xff]) {
        const damaged = Uint8Array.from(real);
        damaged[index]! ^= mask;
        assert.doesNotThrow(() => parseOcspRequest(damaged));
      }
    }
  });
});

describe('ocspRequestFromGetPath', () => {
  it('decodes the URL-encoded base64 of real requests (RFC 6960 A.1), %2F, %2B, %3D and a literal or spaced +', () => {
    const seen = new Set<string>();
    for (let attempt = 0; attempt < 40 && !(seen.has('+') && seen.has('/')); attempt += 1) {
      const request = der(opensslRequest(['-cert', 'good.pem']));
      const base64 = Buffer.from(request).toString('base64');
      for (const character of '+/=') if (base64.includes(character)) seen.add(character);
      for (const path of [encodeURIComponent(base64), base64, base64.replaceAll('+', ' '), base64.replaceAll('+', '%2b')]) {
        const decoded = ocspRequestFromGetPath(path);
        assert.ok(decoded.ok, decoded.ok ? '' : decoded.problem);
        assert.deepEqual(decoded.der, new Uint8Array(request));
      }
    }
    assert.ok(seen.has('+') && seen.has('/'), 'the requests exercised both + and /');
  });

  it('refuses what is not URL-encoded base64, or too long', () => {
    assert.deepEqual(ocspRequestFromGetPath('%E0%A4%A'), { ok: false, problem: 'the request in the path is not valid percent-encoding' });
    assert.deepEqual(ocspRequestFromGetPath('MEUw$wz'), { ok: false, problem: 'the request in the path is not base64' });
    assert.deepEqual(ocspRequestFromGetPath(''), { ok: false, problem: 'the request in the path is not base64' });
    assert.deepEqual(ocspRequestFromGetPath('A'.repeat(40_000)), { ok: false, problem: 'the request in the path is too long' });
  });
});

describe('createOcspResponder', () => {
  const now = new Date();
  const nextUpdate = new Date(now.getTime() + 3_600_000);

  it('answers good, revoked with its reason, and unknown in one signed response that openssl verifies, echoing the nonce', async () => {
    const requestFile = opensslRequest(['-cert', 'good.pem', '-cert', 'revoked.pem', '-cert', 'unknown.pem']);
    const request = accepted(der(requestFile));
    const response = await responder.respond(der(requestFile), now, nextUpdate, lookup);
    const text = opensslReads(response, requestFile, ['good', 'revoked', 'unknown']);
    assert.doesNotMatch(text, /WARNING|Nonce Verify error|Response Verify Failure/);
    assert.equal(text.match(/Response verify OK/g)?.length, 2);
    assert.match(text, new RegExp(`OCSP Nonce: \\n\\s+0410${Buffer.from(request.nonce!).toString('hex').toUpperCase()}`));
    assert.match(opensslReads(response, opensslRequest(['-cert', 'good.pem']), []), /Nonce Verify error/, 'the echoed nonce is the one asked with');
    assert.match(text, /Responder Id: [0-9A-F]{40}\n/, 'byKey');
    assert.match(text, /good\.pem: good\n/);
    assert.match(text, new RegExp(`revoked\\.pem: revoked\\n\\s+This Update: .*\\n\\s+Next Update: .*\\n\\s+Reason: ${crlReasonName(1)}\\n\\s+Revocation Time: Feb  3 04:05:06 2026 GMT`));
    assert.match(text, /unknown\.pem: unknown\n/);
    assert.match(text, /Certificate:\n\s+Data:[\s\S]*Subject: CN=responder\n[\s\S]*OCSP Signing/, 'the responder certificate is included');
    // Trustplane's own client (the verification probes) reads it the same way.
    const answer = readOcspResponse(response, der('revoked.der'), der('ca.der'), request.nonce!);
    assert.ok(answer.ok && answer.status === 'revoked' && answer.reason === crlReasonCodes.keyCompromise, JSON.stringify(answer));
  });

  it('answers SHA-256 CertIDs and requests without a nonce, and leaves an unspecified reason out', async () => {
    statuses['0a03'] = { kind: 'revoked', revokedAt, reason: null };
    try {
      const requestFile = opensslRequest(['-sha256', '-cert', 'unknown.pem'], ['-no_nonce']);
      const text = opensslReads(await responder.respond(der(requestFile), now, nextUpdate, lookup), requestFile, ['unknown'], ['-sha256']);
      assert.match(text, /Response verify OK/);
      assert.doesNotMatch(text, /OCSP Nonce|WARNING/);
      assert.match(text, /unknown\.pem: revoked\n/);
      assert.doesNotMatch(text, /Reason:/);
      assert.match(text, /Hash Algorithm: sha256/);
    } finally {
      delete statuses['0a03'];
    }
  });

  it('answers malformed requests with malformedRequest and other issuers\' certificates with unauthorized, unsigned', async () => {
    const malformed = await responder.respond(Buffer.from('garbage'), now, nextUpdate, lookup);
    assert.deepEqual(malformed, ocspErrorResponse('malformedRequest'));
    assert.match(openssl(['ocsp', '-respin', scratch.file('malformed.der', malformed), '-noverify'], scratch.path).stdout, /Responder Error: malformedrequest \(1\)/);
    let looked = false;
    const stranger = der(opensslRequest(['-cert', 'stranger.pem'], [], 'other-ca.pem'));
    const unauthorized = await responder.respond(stranger, now, nextUpdate, async (asked) => { looked = true; return lookup(asked); });
    assert.deepEqual(unauthorized, ocspErrorResponse('unauthorized'));
    assert.match(openssl(['ocsp', '-respin', scratch.file('unauthorized.der', unauthorized), '-noverify'], scratch.path).stdout, /Responder Error: unauthorized \(6\)/);
    assert.equal(looked, false, 'nothing is looked up for another issuer');
    for (const status of ['internalError', 'tryLater'] as const) {
      assert.match(openssl(['ocsp', '-respin', scratch.file(`${status}.der`, ocspErrorResponse(status)), '-noverify'], scratch.path).stdout, new RegExp(`Responder Error: ${status.toLowerCase()} \\(${status === 'tryLater' ? 3 : 2}\\)`));
    }
  });

  it('signs with an Ed25519 responder key too', async () => {
    const ed25519 = createOcspResponder({
      issuerCertificate: der('ca.der'), responderCertificate: der('responder-ed25519.der'),
      signer: keyObjectSigner(createPrivateKey(readFileSync(scratch.file('responder-ed25519.key'))), 'Ed25519'),
    });
    const requestFile = opensslRequest(['-cert', 'revoked.pem']);
    const text = opensslReads(await ed25519.respond(der(requestFile), now, nextUpdate, lookup), requestFile, ['revoked']);
    assert.match(text, /Response verify OK/);
    assert.match(text, /Signature Algorithm: ED25519/);
    assert.match(text, /revoked\.pem: revoked/);
  });

  it('refuses a signer without the responder certificate\'s key, and a responder certificate without id-kp-OCSPSigning', () => {
    const refused = (build: () => unknown, pattern: RegExp) => assert.throws(build, (error: unknown) => isTrustplaneError(error) && pattern.test(error.message));
    refused(() => createOcspResponder({ issuerCertificate: der('ca.der'), responderCertificate: der('responder-ed25519.der'), signer: responderSigner }), /not the key of the responder certificate/);
    const leafSigner = keyObjectSigner(createPrivateKey(readFileSync(scratch.file('good.key'))), 'ECDSA-P256');
    refused(() => createOcspResponder({ issuerCertificate: der('ca.der'), responderCertificate: der('good.der'), signer: leafSigner }), /lacks extendedKeyUsage id-kp-OCSPSigning/);
  });
});

describe('buildOcspResponse', () => {
  it('signs the statuses it is given, each with its own validity', async () => {
    const requestFile = opensslRequest(['-cert', 'good.pem']);
    const { certIds, nonce } = accepted(der(requestFile));
    const thisUpdate = new Date(Date.now() - 60_000);
    const response = await buildOcspResponse({
      responderCertificate: der('responder.der'), signer: responderSigner, producedAt: new Date(), nonce,
      responses: [{ certId: certIds[0]!, status: { kind: 'revoked', revokedAt, reason: crlReasonCodes.affiliationChanged }, thisUpdate, nextUpdate: new Date(Date.now() + 86_400_000) }],
    });
    const text = opensslReads(response, requestFile, ['good']);
    assert.match(text, /Response verify OK/);
    assert.match(text, /good\.pem: revoked\n[\s\S]*Reason: affiliationChanged/);
  });

  it('refuses a nextUpdate before thisUpdate, and times GeneralizedTime cannot carry', async () => {
    const { certIds } = accepted(der(opensslRequest(['-cert', 'good.pem'])));
    const now = new Date();
    const answer = (change: { producedAt?: Date; nextUpdate?: Date }) => buildOcspResponse({
      responderCertificate: der('responder.der'), signer: responderSigner, producedAt: change.producedAt ?? now, nonce: null,
      responses: [{ certId: certIds[0]!, status: { kind: 'good' }, thisUpdate: now, nextUpdate: change.nextUpdate ?? now }],
    });
    const refused = (pattern: RegExp) => (error: unknown) => isTrustplaneError(error) && error.code === 'VALIDATION_FAILED' && pattern.test(error.message);
    await assert.rejects(answer({ nextUpdate: new Date(now.getTime() - 1000) }), refused(/nextUpdate is before its thisUpdate/));
    await assert.rejects(answer({ producedAt: new Date(Number.NaN) }), refused(/not an invalid date/));
    await assert.rejects(answer({ producedAt: new Date('+010000-01-01T00:00:00Z') }), refused(/years 0 to 9999/));
  });
});
