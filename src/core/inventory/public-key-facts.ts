import { ECParameters } from '@peculiar/asn1-ecc';
import { AsnConvert } from '@peculiar/asn1-schema';
import { SubjectPublicKeyInfo } from '@peculiar/asn1-x509';
import { createPublicKey } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import type { KeyAlgorithm } from './credential-kinds.ts';
import { sha256Hex } from './fingerprint.ts';

export type PublicKeyFacts = { fingerprint: string; keyAlgorithm: KeyAlgorithm; keySize?: number };

// The algorithms Trustplane names, by OID: RFC 8017 App. C, RFC 5480 §2.1.1, RFC 8410 §3, RFC 3279 §2.3.2.
const oids = {
  rsaEncryption: '1.2.840.113549.1.1.1',
  rsassaPss: '1.2.840.113549.1.1.10',
  ecPublicKey: '1.2.840.10045.2.1',
  ed25519: '1.3.101.112',
  ed448: '1.3.101.113',
  dsa: '1.2.840.10040.4.1',
} as const;

/** The named curves Trustplane knows, by OID (RFC 5480 §2.1.1.1) and by the name node:crypto gives them. */
const namedCurves = [
  { oid: '1.2.840.10045.3.1.7', nodeName: 'prime256v1', keyAlgorithm: 'ECDSA-P256', keySize: 256 },
  { oid: '1.3.132.0.34', nodeName: 'secp384r1', keyAlgorithm: 'ECDSA-P384', keySize: 384 },
  { oid: '1.3.132.0.35', nodeName: 'secp521r1', keyAlgorithm: 'ECDSA-P521', keySize: 521 },
] as const satisfies readonly { oid: string; nodeName: string; keyAlgorithm: KeyAlgorithm; keySize: number }[];

type CurveFacts = { keyAlgorithm: KeyAlgorithm; keySize: number };
const curves: ReadonlyMap<string, CurveFacts> = new Map(namedCurves.map(({ oid, keyAlgorithm, keySize }) => [oid, { keyAlgorithm, keySize }]));
const nodeCurves: ReadonlyMap<string, CurveFacts> = new Map(namedCurves.map(({ nodeName, keyAlgorithm, keySize }) => [nodeName, { keyAlgorithm, keySize }]));

// @peculiar/x509's PublicKey gives WebCrypto names and drops the OIDs that `unknown:<oid>` needs, so the
// SubjectPublicKeyInfo (RFC 5280 §4.1.2.7) is read with the ASN.1 schemas it is built on.
const readSubjectPublicKeyInfo = (spki: Uint8Array): SubjectPublicKeyInfo | null => {
  try {
    const info = AsnConvert.parse(spki, SubjectPublicKeyInfo);
    // The BER parser is lenient (bytes after the first element, lengths past their container): only
    // input that re-encodes to itself is one DER SubjectPublicKeyInfo.
    return Buffer.from(AsnConvert.serialize(info)).equals(spki) ? info : null;
  } catch {
    return null;
  }
};

/** The named curve of ecPublicKey parameters (RFC 5480 §2.1.1); undefined for implicit or explicit curves. */
const namedCurve = (parameters: ArrayBuffer | null | undefined): string | undefined => {
  if (parameters === null || parameters === undefined) return undefined;
  try {
    return AsnConvert.parse(parameters, ECParameters).namedCurve;
  } catch {
    return undefined;
  }
};

/** Bits of the RSA modulus or the DSA prime p, as node:crypto reads them; undefined when it cannot load the key. */
const modulusLength = (spki: Uint8Array): number | undefined => {
  try {
    return createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' }).asymmetricKeyDetails?.modulusLength;
  } catch {
    return undefined;
  }
};

/**
 * Facts of a DER SubjectPublicKeyInfo. Keys node:crypto cannot load still get a fingerprint and an
 * `unknown:<oid>` algorithm. Null if the bytes are not exactly one SubjectPublicKeyInfo.
 */
export const describeSubjectPublicKeyInfo = (spki: Uint8Array): PublicKeyFacts | null => {
  const cacheKey = Buffer.from(spki.buffer, spki.byteOffset, spki.length).toString('latin1');
  if (describedKeys.has(cacheKey)) {
    const remembered = describedKeys.get(cacheKey) ?? null;
    return remembered === null ? null : { ...remembered };
  }
  const described = describeWithNode(spki) ?? describeWithAsn1(spki);
  if (describedKeys.size >= maxDescribedKeys) describedKeys.clear();
  describedKeys.set(cacheKey, described);
  return described === null ? null : { ...described };
};

// Describing a key costs a key import. The CA describes each key it certifies several times (policy,
// lints, then the inventory's reading of the certificate), so the last keys described are remembered;
// the facts are a pure function of the bytes, and callers get copies.
const describedKeys = new Map<string, PublicKeyFacts | null>();
const maxDescribedKeys = 1024;

/**
 * The common keys, read by node:crypto alone: RSA, the NIST curves and EdDSA, when the key re-encodes to
 * exactly its input. Null for anything else, which the ASN.1 reader below then names.
 */
const describeWithNode = (spki: Uint8Array): PublicKeyFacts | null => {
  try {
    const key = createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' });
    return key.export({ type: 'spki', format: 'der' }).equals(spki) ? describeKeyObject(key, spki) : null;
  } catch {
    return null;
  }
};

/** Facts of a key node:crypto has loaded, whose SubjectPublicKeyInfo is `spki`; null for other algorithms. */
export const describeKeyObject = (key: KeyObject, spki: Uint8Array): PublicKeyFacts | null => {
  try {
    const fingerprint = sha256Hex(spki);
    const details = key.asymmetricKeyDetails;
    switch (key.asymmetricKeyType) {
      case 'rsa':
      case 'rsa-pss':
        return details?.modulusLength === undefined ? null : { fingerprint, keyAlgorithm: 'RSA', keySize: details.modulusLength };
      case 'ec': {
        const curve = details?.namedCurve === undefined ? undefined : nodeCurves.get(details.namedCurve);
        return curve === undefined ? null : { fingerprint, ...curve };
      }
      case 'ed25519':
        return { fingerprint, keyAlgorithm: 'Ed25519', keySize: 256 };
      case 'ed448':
        return { fingerprint, keyAlgorithm: 'Ed448', keySize: 448 };
      default:
        return null;
    }
  } catch {
    return null;
  }
};

const describeWithAsn1 = (spki: Uint8Array): PublicKeyFacts | null => {
  const info = readSubjectPublicKeyInfo(spki);
  if (info === null) return null;
  const fingerprint = sha256Hex(spki);
  const { algorithm: oid, parameters } = info.algorithm;
  switch (oid) {
    case oids.rsaEncryption:
    case oids.rsassaPss: {
      const keySize = modulusLength(spki);
      return keySize === undefined ? null : { fingerprint, keyAlgorithm: 'RSA', keySize };
    }
    case oids.ecPublicKey: {
      const curveOid = namedCurve(parameters);
      if (curveOid === undefined) return { fingerprint, keyAlgorithm: `unknown:${oids.ecPublicKey}` };
      return { fingerprint, ...(curves.get(curveOid) ?? { keyAlgorithm: `unknown:${curveOid}` }) };
    }
    case oids.ed25519:
      return { fingerprint, keyAlgorithm: 'Ed25519', keySize: 256 };
    case oids.ed448:
      return { fingerprint, keyAlgorithm: 'Ed448', keySize: 448 };
    case oids.dsa: {
      // Without Dss-Parms (inherited from the issuer, RFC 3279 §2.3.2) the size is not in the key.
      const keySize = modulusLength(spki);
      return keySize === undefined ? { fingerprint, keyAlgorithm: 'DSA' } : { fingerprint, keyAlgorithm: 'DSA', keySize };
    }
    default:
      return { fingerprint, keyAlgorithm: `unknown:${oid}` };
  }
};

/** A display label for a key: 'RSA-2048 public key', 'ECDSA-P256 private key'. */
export const keyLabel = (facts: PublicKeyFacts, role: 'public' | 'private'): string => {
  const sized = (facts.keyAlgorithm === 'RSA' || facts.keyAlgorithm === 'DSA') && facts.keySize !== undefined
    ? `${facts.keyAlgorithm}-${facts.keySize}`
    : facts.keyAlgorithm;
  return `${sized} ${role} key`;
};
