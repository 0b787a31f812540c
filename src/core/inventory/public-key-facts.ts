import type { KeyAlgorithm } from './credential-kinds.ts';
import { oids } from './algorithm-names.ts';
import { decodeOid, derTag, integerBitLength, readAlgorithmIdentifier, readChildren, readTlv, readWhole } from './der-reader.ts';
import { sha256Hex } from './fingerprint.ts';

export type PublicKeyFacts = { fingerprint: string; keyAlgorithm: KeyAlgorithm; keySize?: number };

const curves: ReadonlyMap<string, { keyAlgorithm: KeyAlgorithm; keySize: number }> = new Map([
  [oids.prime256v1, { keyAlgorithm: 'ECDSA-P256', keySize: 256 }],
  [oids.secp384r1, { keyAlgorithm: 'ECDSA-P384', keySize: 384 }],
  [oids.secp521r1, { keyAlgorithm: 'ECDSA-P521', keySize: 521 }],
]);

// RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER } (RFC 8017 App. A.1.1)
const rsaModulusBits = (bitString: Uint8Array): number | undefined => {
  if (bitString[0] !== 0) return undefined;
  const key = readWhole(bitString.subarray(1), derTag.sequence);
  const modulus = key === null ? undefined : readTlv(key.content, 0);
  return modulus?.tag === derTag.integer ? integerBitLength(modulus.content) : undefined;
};

/**
 * Facts of a DER SubjectPublicKeyInfo (RFC 5280 §4.1.2.7), read from its bytes alone so that keys
 * node:crypto cannot load still get a fingerprint and an `unknown:<oid>` algorithm. Null if not an SPKI.
 */
export const describeSubjectPublicKeyInfo = (spki: Uint8Array): PublicKeyFacts | null => {
  const outer = readWhole(spki, derTag.sequence);
  const parts = outer === null ? null : readChildren(outer.content);
  if (parts?.length !== 2 || parts[1]!.tag !== derTag.bitString) return null;
  const algorithm = readAlgorithmIdentifier(parts[0]!);
  if (algorithm === null) return null;
  const fingerprint = sha256Hex(spki);
  const keyBits = parts[1]!.content;
  switch (algorithm.oid) {
    case oids.rsaEncryption:
    case oids.rsassaPss: {
      const keySize = rsaModulusBits(keyBits);
      return keySize === undefined ? null : { fingerprint, keyAlgorithm: 'RSA', keySize };
    }
    case oids.ecPublicKey: {
      const parameters = algorithm.parameters;
      const curveOid = parameters?.tag === derTag.oid ? decodeOid(parameters.content) : null;
      if (curveOid === null) return { fingerprint, keyAlgorithm: `unknown:${oids.ecPublicKey}` };
      const curve = curves.get(curveOid);
      return curve === undefined ? { fingerprint, keyAlgorithm: `unknown:${curveOid}` } : { fingerprint, ...curve };
    }
    case oids.ed25519:
      return { fingerprint, keyAlgorithm: 'Ed25519', keySize: 256 };
    case oids.ed448:
      return { fingerprint, keyAlgorithm: 'Ed448', keySize: 448 };
    case oids.dsa: {
      // Dss-Parms ::= SEQUENCE { p INTEGER, q INTEGER, g INTEGER } (RFC 3279 §2.3.2); absent when inherited.
      const parameters = algorithm.parameters;
      const prime = parameters?.tag === derTag.sequence ? readTlv(parameters.content, 0) : null;
      return prime?.tag === derTag.integer
        ? { fingerprint, keyAlgorithm: 'DSA', keySize: integerBitLength(prime.content) }
        : { fingerprint, keyAlgorithm: 'DSA' };
    }
    default:
      return { fingerprint, keyAlgorithm: `unknown:${algorithm.oid}` };
  }
};

/** A display label for a key: 'RSA-2048 public key', 'ECDSA-P256 private key'. */
export const keyLabel = (facts: PublicKeyFacts, role: 'public' | 'private'): string => {
  const sized = (facts.keyAlgorithm === 'RSA' || facts.keyAlgorithm === 'DSA') && facts.keySize !== undefined
    ? `${facts.keyAlgorithm}-${facts.keySize}`
    : facts.keyAlgorithm;
  return `${sized} ${role} key`;
};
