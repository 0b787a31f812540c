import { createPrivateKey, createPublicKey } from 'node:crypto';
import * as asn1js from 'asn1js';
import type { PublicKeyFacts } from './public-key-facts.ts';
import { openSshPrivateKeyPublicBlob, sshBlobToSubjectPublicKeyInfo } from './openssh-private-key.ts';
import { describeSubjectPublicKeyInfo } from './public-key-facts.ts';

/** PEM labels of the unencrypted private key encodings node:crypto reads, by DER type. */
export const privateKeyEncodings = {
  'PRIVATE KEY': 'pkcs8',
  'RSA PRIVATE KEY': 'pkcs1',
  'EC PRIVATE KEY': 'sec1',
} as const;
export type PrivateKeyLabel = keyof typeof privateKeyEncodings | 'OPENSSH PRIVATE KEY';

// DSA and Diffie-Hellman private keys hold no public value: OpenSSL computes g^x mod p while loading
// them, with no bound on p or x, so a crafted key of a few kilobytes keeps the process busy for minutes.
// They are not read at all. (RSA and EC keys carry or bound their public part.)
const slowToLoad = new Set([
  '1.2.840.10040.4.1', // id-dsa, RFC 3279 §2.3.2
  '1.2.840.113549.1.3.1', // dhKeyAgreement, PKCS #3
  '1.2.840.10046.2.1', // dhpublicnumber, RFC 3279 §2.3.3
]);

/** The algorithm OID of a PKCS #8 PrivateKeyInfo (RFC 5208 §5), or null when the bytes are not one. */
const pkcs8Algorithm = (der: Buffer): string | null => {
  const parsed = asn1js.fromBER(der);
  if (parsed.offset === -1) return null;
  const algorithm = (parsed.result.valueBlock as { value?: asn1js.AsnType[] }).value?.[1];
  const oid = (algorithm?.valueBlock as { value?: asn1js.AsnType[] } | undefined)?.value?.[0];
  return oid instanceof asn1js.ObjectIdentifier ? oid.valueBlock.toString() : null;
};

/** Why a private key is not read, before node:crypto is asked to load it; null when it may be. */
export const privateKeyRefusal = (label: PrivateKeyLabel, der: Buffer): string | null => {
  if (label === 'RSA PRIVATE KEY' || label === 'EC PRIVATE KEY' || label === 'OPENSSH PRIVATE KEY') return null;
  const oid = pkcs8Algorithm(der);
  return oid !== null && slowToLoad.has(oid)
    ? 'DSA and Diffie-Hellman private keys are not read (deriving their public key can take unbounded time); import the certificate or public key instead'
    : null;
};

const spkiOf = (label: PrivateKeyLabel, der: Buffer): Buffer | null => {
  if (label === 'OPENSSH PRIVATE KEY') {
    const blob = openSshPrivateKeyPublicBlob(der);
    return blob === null ? null : sshBlobToSubjectPublicKeyInfo(blob);
  }
  try {
    const privateKey = createPrivateKey({ key: der, format: 'der', type: privateKeyEncodings[label] });
    return createPublicKey(privateKey).export({ type: 'spki', format: 'der' });
  } catch {
    return null;
  }
};

/**
 * The public facts of a private key: the public key is derived and described, the private bytes are
 * wiped from `der` afterwards and never kept. Null when node:crypto cannot read the key.
 */
export const privateKeyFacts = (label: PrivateKeyLabel, der: Buffer): PublicKeyFacts | null => {
  try {
    const spki = spkiOf(label, der);
    return spki === null ? null : describeSubjectPublicKeyInfo(spki);
  } finally {
    der.fill(0);
  }
};
