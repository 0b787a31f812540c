// CRLs checked as relying parties check them: CAs and leaf certificates made by the openssl CLI, the CRL
// built here, then read and used by `openssl crl` and `openssl verify -crl_check`.
import assert from 'node:assert/strict';
import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import { openssl, opensslOk, scratchDirectory } from '../../../test/support/openssl.ts';
import { keyObjectSigner } from '../../server/signers/key-object-signer.ts';
import { isTrustplaneError } from '../errors.ts';
import { buildCrl } from './crl.ts';
import type { CrlEntry, CrlInput } from './crl.ts';
import { crlReasonCodes, crlReasonText } from './revocation-reasons.ts';
import type { CaKeyAlgorithm } from './signer.ts';

const scratch = scratchDirectory();
after(() => scratch.cleanUp());

const run = (args: string[]): string => opensslOk(args, scratch.path);

const keyArguments: Record<'ECDSA-P256' | 'Ed25519' | 'RSA-2048', string[]> = {
  'ECDSA-P256': ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256'],
  Ed25519: ['-algorithm', 'ed25519'],
  'RSA-2048': ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048'],
};

const extensions = scratch.file('extensions.cnf', [
  '[req]', 'distinguished_name = dn', '[dn]',
  '[ca]', 'basicConstraints = critical,CA:TRUE', 'keyUsage = critical,keyCertSign,cRLSign', 'subjectKeyIdentifier = hash',
  '[ca_without_ski]', 'basicConstraints = critical,CA:TRUE', 'keyUsage = critical,keyCertSign,cRLSign', 'subjectKeyIdentifier = none',
  '[leaf]', 'basicConstraints = CA:FALSE', 'keyUsage = critical,digitalSignature', 'extendedKeyUsage = clientAuth',
  'crlDistributionPoints = URI:http://pki.example.test/crl/shard-3.crl', '',
].join('\n'));

type Ca = { name: string; pem: string; der: Uint8Array; signer: CrlInput['signer'] };

const makeCa = (name: string, algorithm: keyof typeof keyArguments, section = 'ca'): Ca => {
  run(['genpkey', ...keyArguments[algorithm], '-out', `${name}.key`]);
  run(['req', '-x509', '-new', '-key', `${name}.key`, '-subj', `/C=DE/O=Example Org/CN=${name}`, '-days', '30', '-config', extensions, '-extensions', section, '-out', `${name}.pem`]);
  run(['x509', '-in', `${name}.pem`, '-outform', 'DER', '-out', `${name}.der`]);
  const privateKey = createPrivateKey(readFileSync(scratch.file(`${name}.key`)));
  return { name, pem: scratch.file(`${name}.pem`), der: readFileSync(scratch.file(`${name}.der`)), signer: keyObjectSigner(privateKey, algorithm as CaKeyAlgorithm) };
};

/** A P-256 leaf issued by `ca` with this serial (hex); returns its PEM file. */
const makeLeaf = (ca: Ca, serial: string): string => {
  const name = `${ca.name}-leaf-${serial}`;
  run(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${name}.key`, '-subj', `/CN=${name}`, '-out', `${name}.csr`]);
  run(['x509', '-req', '-in', `${name}.csr`, '-CA', ca.pem, '-CAkey', `${ca.name}.key`, '-set_serial', `0x${serial}`, '-days', '7', '-extfile', extensions, '-extensions', 'leaf', '-out', `${name}.pem`]);
  return scratch.file(`${name}.pem`);
};

const hour = 3_600_000;
const now = new Date();
const thisUpdate = new Date(now.getTime() - hour);
const nextUpdate = new Date(now.getTime() + 24 * hour);

const crlPem = (der: Uint8Array, name: string): string => {
  scratch.file(`${name}.der`, der);
  run(['crl', '-inform', 'DER', '-in', `${name}.der`, '-out', `${name}.pem`]);
  return scratch.file(`${name}.pem`);
};

const crlText = (der: Uint8Array, name: string): string => run(['crl', '-in', crlPem(der, name), '-text', '-noout']);

const verifyLeaf = (ca: Ca, crl: string, leaf: string) => openssl(['verify', '-crl_check', '-CAfile', ca.pem, '-CRLfile', crl, leaf], scratch.path);

const signatureVerifies = (ca: Ca, crl: string): boolean => /verify OK/.test(openssl(['crl', '-in', crl, '-CAfile', ca.pem, '-verify', '-noout'], scratch.path).stderr);

const refusal = async (promise: Promise<unknown>, code: string, pattern: RegExp) => {
  await assert.rejects(promise, (error: unknown) => isTrustplaneError(error) && error.code === code && pattern.test(error.message));
};

describe('buildCrl', () => {
  const p256 = makeCa('p256-ca', 'ECDSA-P256');
  // Serials with the top bit set need a 00 octet in DER; the last is the longest RFC 5280 allows.
  const serials = { compromised: '1a2b3c4d', superseded: '80a1', noReason: '7f00ff', good: '0123ab', longest: 'ff'.repeat(20) };
  const leaves = Object.fromEntries(Object.entries(serials).map(([role, serial]) => [role, makeLeaf(p256, serial)])) as Record<keyof typeof serials, string>;
  const revokedAt = new Date('2026-03-01T12:34:56.789Z');
  const revoked: CrlEntry[] = [
    { serial: serials.compromised, revokedAt, reason: crlReasonCodes.keyCompromise },
    { serial: serials.superseded, revokedAt, reason: crlReasonCodes.superseded },
    { serial: serials.noReason, revokedAt, reason: null },
    { serial: serials.longest, revokedAt, reason: crlReasonCodes.privilegeWithdrawn },
  ];

  it('writes a v2 CRL that openssl reads: CRL number, AKI of the CA, next update, every serial with its reason', async () => {
    const der = await buildCrl({ issuerCertificate: p256.der, crlNumber: 42n, thisUpdate, nextUpdate, revoked, signer: p256.signer });
    const text = crlText(der, 'p256-crl');
    assert.match(text, /Version 2 \(0x1\)/);
    assert.match(text, /Issuer: C = DE, O = Example Org, CN = p256-ca/);
    assert.match(text, /X509v3 CRL Number: \n\s+42\n/);
    const subjectKeyIdentifier = /Subject Key Identifier: \n\s+([0-9A-F:]+)/.exec(run(['x509', '-in', p256.pem, '-noout', '-text']))?.[1];
    assert.ok(subjectKeyIdentifier !== undefined);
    assert.match(text, new RegExp(`Authority Key Identifier: \\n\\s+${subjectKeyIdentifier}\\n`));
    assert.match(text, /Next Update: /);
    assert.match(text, /Revocation Date: Mar {2}1 12:34:56 2026 GMT/);
    const entries = text.split('Serial Number: ').slice(1);
    assert.equal(entries.length, 4);
    const entryOf = (serial: string) => entries.find((entry) => entry.startsWith(serial.toUpperCase()));
    assert.match(entryOf(serials.compromised) ?? '', new RegExp(`CRL Reason Code: \\n\\s+${crlReasonText(1)}\\n`));
    assert.match(entryOf(serials.superseded) ?? '', new RegExp(`CRL Reason Code: \\n\\s+${crlReasonText(4)}\\n`));
    assert.match(entryOf(serials.longest) ?? '', new RegExp(`CRL Reason Code: \\n\\s+${crlReasonText(9)}\\n`));
    assert.doesNotMatch(entryOf(serials.noReason) ?? 'missing', /CRL Reason Code/, 'no reason, no reasonCode extension');
    assert.ok(signatureVerifies(p256, crlPem(der, 'p256-crl')));
  });

  it('makes openssl verify -crl_check refuse the revoked certificates and accept the good one', async () => {
    const crl = crlPem(await buildCrl({ issuerCertificate: p256.der, crlNumber: 43n, thisUpdate, nextUpdate, revoked, signer: p256.signer }), 'p256-verify');
    for (const role of ['compromised', 'superseded', 'noReason', 'longest'] as const) {
      const result = verifyLeaf(p256, crl, leaves[role]);
      assert.notEqual(result.status, 0, `${role} must be refused`);
      assert.match(result.stdout + result.stderr, /error 23 at 0 depth lookup: certificate revoked/, role);
    }
    const good = verifyLeaf(p256, crl, leaves.good);
    assert.equal(good.status, 0, good.stdout + good.stderr);
    assert.match(good.stdout, /: OK/);
  });

  it('leaves the list out of an empty CRL, which still verifies and vouches for every certificate', async () => {
    const der = await buildCrl({ issuerCertificate: p256.der, crlNumber: 1n, thisUpdate, nextUpdate, revoked: [], signer: p256.signer });
    assert.match(crlText(der, 'p256-empty'), /No Revoked Certificates\./);
    const crl = crlPem(der, 'p256-empty');
    assert.ok(signatureVerifies(p256, crl));
    assert.equal(verifyLeaf(p256, crl, leaves.compromised).status, 0);
  });

  for (const algorithm of ['Ed25519', 'RSA-2048'] as const) {
    it(`works for a CA with an ${algorithm} key`, async () => {
      const ca = makeCa(`${algorithm.toLowerCase()}-ca`, algorithm);
      const [bad, good] = [makeLeaf(ca, '0abc01'), makeLeaf(ca, '0abc02')];
      const der = await buildCrl({ issuerCertificate: ca.der, crlNumber: 7n, thisUpdate, nextUpdate, revoked: [{ serial: '0abc01', revokedAt, reason: crlReasonCodes.cessationOfOperation }], signer: ca.signer });
      const crl = crlPem(der, `${ca.name}-crl`);
      assert.ok(signatureVerifies(ca, crl));
      assert.match(verifyLeaf(ca, crl, bad).stdout + verifyLeaf(ca, crl, bad).stderr, /certificate revoked/);
      assert.equal(verifyLeaf(ca, crl, good).status, 0);
      assert.match(crlText(der, `${ca.name}-crl`), /Cessation Of Operation/);
    });
  }

  it('uses GeneralizedTime from 2050 on (RFC 5280 §5.1.2.4) and accepts a serial given with leading zeros, or zero', async () => {
    const later = { thisUpdate: new Date('2049-12-31T23:00:00Z'), nextUpdate: new Date('2050-01-02T00:00:00Z') };
    const der = await buildCrl({
      issuerCertificate: p256.der, crlNumber: 2n ** 159n - 1n, ...later, signer: p256.signer,
      revoked: [{ serial: '000abc', revokedAt: new Date('2050-01-01T00:00:01Z'), reason: null }, { serial: '00', revokedAt, reason: null }],
    });
    const text = crlText(der, 'p256-2050');
    assert.match(text, /Next Update: Jan {2}2 00:00:00 2050 GMT/);
    assert.match(text, /Serial Number: 0ABC\n\s+Revocation Date: Jan {2}1 00:00:01 2050 GMT/);
    assert.match(text, /Serial Number: 00\n/);
    const structure = run(['asn1parse', '-inform', 'DER', '-in', 'p256-2050.der']);
    assert.match(structure, /GENERALIZEDTIME\s+:20500101000001Z/);
    assert.match(structure, /UTCTIME\s+:491231230000Z/);
  });

  it('carries a critical issuingDistributionPoint for a partitioned CRL, which openssl matches to the certificate\'s CRL distribution point', async () => {
    const der = await buildCrl({
      issuerCertificate: p256.der, crlNumber: 5n, thisUpdate, nextUpdate, revoked, signer: p256.signer, idp: { url: 'http://pki.example.test/crl/shard-3.crl' },
    });
    assert.match(crlText(der, 'p256-idp'), /X509v3 Issuing Distribution Point: critical\n\s+Full Name:\n\s+URI:http:\/\/pki\.example\.test\/crl\/shard-3\.crl/);
    const crl = crlPem(der, 'p256-idp');
    assert.match(verifyLeaf(p256, crl, leaves.compromised).stdout + verifyLeaf(p256, crl, leaves.compromised).stderr, /certificate revoked/);
    assert.equal(verifyLeaf(p256, crl, leaves.good).status, 0);
  });

  it('encodes entries from any iterable, past the first buffer, identically to the same entries in an array', async () => {
    const entries = (count: number) => Array.from({ length: count }, (_, index): CrlEntry => ({ serial: (0x100000n + BigInt(index)).toString(16), revokedAt, reason: index % 2 === 0 ? null : crlReasonCodes.superseded }));
    function* generated() { yield* entries(5_000); }
    const fromGenerator = await buildCrl({ issuerCertificate: p256.der, crlNumber: 9n, thisUpdate, nextUpdate, revoked: generated(), signer: p256.signer });
    const fromArray = await buildCrl({ issuerCertificate: p256.der, crlNumber: 9n, thisUpdate, nextUpdate, revoked: entries(5_000), signer: p256.signer });
    const text = crlText(fromGenerator, 'p256-generated');
    assert.equal(text.split('Serial Number: ').length - 1, 5_000);
    assert.match(text, /Serial Number: 101387\n/);
    // ECDSA signatures differ each time; everything before them must not.
    const withoutSignature = (der: Uint8Array) => run(['crl', '-inform', 'DER', '-in', scratch.file('compare.der', der), '-text', '-noout']).split('Signature Value')[0];
    assert.equal(withoutSignature(fromGenerator), withoutSignature(fromArray));
  });

  it('refuses a signer that does not hold the CA key, a CA without SKI, and entries it cannot encode', async () => {
    const other = makeCa('other-ca', 'ECDSA-P256');
    const base = { issuerCertificate: p256.der, crlNumber: 1n, thisUpdate, nextUpdate, revoked: [] as CrlEntry[], signer: p256.signer };
    await refusal(buildCrl({ ...base, signer: other.signer }), 'INTERNAL', /not the key of the CA certificate/);
    const withoutSki = makeCa('no-ski-ca', 'ECDSA-P256', 'ca_without_ski');
    await refusal(buildCrl({ ...base, issuerCertificate: withoutSki.der, signer: withoutSki.signer }), 'VALIDATION_FAILED', /no subjectKeyIdentifier/);
    await refusal(buildCrl({ ...base, nextUpdate: thisUpdate }), 'VALIDATION_FAILED', /nextUpdate .* must be after/);
    await refusal(buildCrl({ ...base, crlNumber: -1n }), 'VALIDATION_FAILED', /at most 20 octets/);
    await refusal(buildCrl({ ...base, crlNumber: 2n ** 159n }), 'VALIDATION_FAILED', /at most 20 octets/);
    await refusal(buildCrl({ ...base, idp: { url: 'not a url' } }), 'VALIDATION_FAILED', /absolute ASCII URL/);
    const entry = (change: Partial<CrlEntry>): CrlInput => ({ ...base, revoked: [{ serial: '01', revokedAt, reason: null, ...change }] });
    await refusal(buildCrl(entry({ serial: '12G4' })), 'VALIDATION_FAILED', /"12G4" has a serial that is not lowercase hex/);
    await refusal(buildCrl(entry({ serial: 'AB' })), 'VALIDATION_FAILED', /not lowercase hex/);
    await refusal(buildCrl(entry({ serial: '' })), 'VALIDATION_FAILED', /1 to 20 octets/);
    await refusal(buildCrl(entry({ serial: '1'.repeat(41) })), 'VALIDATION_FAILED', /1 to 20 octets/);
    await refusal(buildCrl(entry({ revokedAt: new Date(Number.NaN) })), 'VALIDATION_FAILED', /revocation date outside/);
    await refusal(buildCrl(entry({ reason: crlReasonCodes.removeFromCRL })), 'VALIDATION_FAILED', /only a delta CRL/);
  });
});
