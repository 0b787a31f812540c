import * as asn1js from 'asn1js';
import assert from 'node:assert/strict';
import { createPublicKey, generateKeyPairSync, randomBytes, verify } from 'node:crypto';
import { describe, it } from 'node:test';
import { keyObjectSigner } from '../../server/signers/key-object-signer.ts';
import { isTrustplaneError } from '../errors.ts';
import { buildTbsCertificate, serialInIssueOrder } from './certificate-template.ts';
import { encodeSignedStructure, signCertificate } from './sign-certificate.ts';
import type { Signer } from './signer.ts';

const p256 = keyObjectSigner(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey, 'ECDSA-P256');
const rsa = keyObjectSigner(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey, 'RSA-2048');
const ed25519 = keyObjectSigner(generateKeyPairSync('ed25519').privateKey, 'Ed25519');

/** A DER SEQUENCE of `size` content bytes: any to-be-signed structure, e.g. a CRL's TBSCertList. */
const tbsOfSize = (size: number): Uint8Array => new Uint8Array(new asn1js.Sequence({ value: [new asn1js.OctetString({ valueHex: randomBytes(size) })] }).toBER());

const publicKeyOf = (signer: Signer) => createPublicKey({ key: Buffer.from(signer.publicKey), format: 'der', type: 'spki' });

describe('encodeSignedStructure', () => {
  for (const [signer, digest, algorithm] of [[p256, 'sha256', '1.2.840.10045.4.3.2'], [rsa, 'sha256', '1.2.840.113549.1.1.11'], [ed25519, null, '1.3.101.112']] as const) {
    it(`wraps the exact TBS bytes with the ${signer.keyAlgorithm} AlgorithmIdentifier and a signature that verifies`, async () => {
      for (const size of [10, 200, 70_000]) {
        const tbs = tbsOfSize(size);
        const signed = await encodeSignedStructure(tbs, signer);
        const parsed = asn1js.fromBER(signed);
        assert.equal(parsed.offset, signed.length);
        const [body, algorithmIdentifier, signature] = (parsed.result as asn1js.Sequence).valueBlock.value;
        assert.deepEqual(Buffer.from(body!.valueBeforeDecodeView), Buffer.from(tbs));
        const [oid, parameters] = (algorithmIdentifier as asn1js.Sequence).valueBlock.value;
        assert.equal((oid as asn1js.ObjectIdentifier).valueBlock.toString(), algorithm);
        assert.equal(parameters instanceof asn1js.Null, signer.keyAlgorithm === 'RSA-2048', 'RSA carries NULL parameters (RFC 4055 §5), the others none');
        const bitString = signature as asn1js.BitString;
        assert.equal(bitString.valueBlock.unusedBits, 0);
        assert.ok(verify(digest, tbs, publicKeyOf(signer), bitString.valueBlock.valueHexView));
      }
    });
  }
});

describe('signCertificate', () => {
  it("refuses a signer whose algorithm is not the one the TBS names (RFC 5280 §4.1.1.2)", async () => {
    const tbs = buildTbsCertificate({
      profile: 'root-ca', serial: serialInIssueOrder(new Date(), randomBytes(9)), subject: { commonName: 'Root' }, issuer: 'self', sans: [],
      notBefore: new Date('2026-01-01T00:00:00Z'), notAfter: new Date('2036-01-01T00:00:00Z'),
      subjectPublicKey: p256.publicKey, signatureKeyAlgorithm: 'ECDSA-P256',
    });
    await assert.rejects(signCertificate(tbs, ed25519), (error) => isTrustplaneError(error) && /signatureKeyAlgorithm 'Ed25519'/.test(error.message));
    assert.equal((await signCertificate(tbs, p256))[0], 0x30);
  });
});
