// Signing a to-be-signed structure. Certificates (RFC 5280 §4.1), CRLs (§5.1) and OCSP responses share
// one shape: SEQUENCE { tbs, signatureAlgorithm AlgorithmIdentifier, signature BIT STRING }.
import { AsnConvert } from '@peculiar/asn1-schema';
import { AlgorithmIdentifier, TBSCertificate } from '@peculiar/asn1-x509';
import { TrustplaneError } from '../errors.ts';
import { derBitString, derHeader, derNull, sequence } from './der.ts';
import { signatureAlgorithmOf } from './signer.ts';
import type { CaKeyAlgorithm, Signer } from './signer.ts';

/** The AlgorithmIdentifier a key of this algorithm signs with, NULL parameters for RSA (RFC 4055 §5). */
export const signatureAlgorithmIdentifier = (keyAlgorithm: CaKeyAlgorithm): AlgorithmIdentifier => {
  const { oid, nullParameters } = signatureAlgorithmOf(keyAlgorithm);
  return new AlgorithmIdentifier({ algorithm: oid, parameters: nullParameters ? derNull.slice().buffer : undefined });
};

/** Whether two AlgorithmIdentifiers encode the same, parameters included (RSA's NULL is not optional). */
export const sameAlgorithmIdentifier = (a: AlgorithmIdentifier, b: AlgorithmIdentifier): boolean =>
  Buffer.from(AsnConvert.serialize(a)).equals(new Uint8Array(AsnConvert.serialize(b)));

/**
 * SEQUENCE { tbs, AlgorithmIdentifier, BIT STRING signature } over the exact `tbs` bytes given: they are
 * copied, never re-encoded, so the signature covers what the caller built and linted.
 */
export const encodeSignedStructure = async (tbs: Uint8Array, signer: Signer): Promise<Uint8Array> => {
  const signature = await signer.sign(tbs);
  const algorithm = algorithmIdentifierDer(signer.keyAlgorithm);
  // A signature is whole octets: the BIT STRING's unused-bits octet is 0 (X.690 §8.6.2.2).
  return new Uint8Array(sequence(tbs, algorithm, derBitString(signature)));
};

/** Room after a large TBS for its AlgorithmIdentifier and signature BIT STRING: an RSA-4096 signature is 512 octets. */
const signatureRoom = 1024;
/** Room before it for the outer SEQUENCE's tag and length (at most 4 length octets). */
const headerRoom = 6;

/**
 * The same signed structure from the TBS given in pieces, written once into one buffer with room before
 * it for the outer header and after it for the algorithm and signature. For a large structure (a CRL over
 * a million entries is 46 MB) that is one copy where joining the pieces and then each layer took three,
 * and each copy of that size held the event loop for tens of milliseconds.
 */
export const encodeSignedStructureFromParts = async (tbsParts: readonly Uint8Array[], signer: Signer): Promise<Uint8Array> => {
  const tbsLength = tbsParts.reduce((sum, part) => sum + part.length, 0);
  const out = Buffer.allocUnsafeSlow(headerRoom + tbsLength + signatureRoom);
  let at = headerRoom;
  for (const part of tbsParts) {
    out.set(part, at);
    at += part.length;
  }
  const tbs = out.subarray(headerRoom, at);
  const signature = await signer.sign(tbs);
  const algorithm = algorithmIdentifierDer(signer.keyAlgorithm);
  const bitString = derBitString(signature);
  if (algorithm.length + bitString.length > signatureRoom) return new Uint8Array(sequence(tbs, algorithm, bitString));
  out.set(algorithm, at);
  out.set(bitString, at + algorithm.length);
  const end = at + algorithm.length + bitString.length;
  const header = derHeader(0x30, end - headerRoom);
  out.set(header, headerRoom - header.length);
  return out.subarray(headerRoom - header.length, end);
};

const algorithmIdentifiers = new Map<CaKeyAlgorithm, Uint8Array>();

/** The DER AlgorithmIdentifier of a key algorithm's signatures, encoded once. */
export const algorithmIdentifierDer = (keyAlgorithm: CaKeyAlgorithm): Uint8Array => {
  let der = algorithmIdentifiers.get(keyAlgorithm);
  if (der === undefined) {
    der = new Uint8Array(AsnConvert.serialize(signatureAlgorithmIdentifier(keyAlgorithm)));
    algorithmIdentifiers.set(keyAlgorithm, der);
  }
  return der;
};

/** The offset just past the DER element starting at `offset` (tag, length octets, contents). */
const skipElement = (der: Uint8Array, offset: number): number => {
  const [first] = der.subarray(offset + 1, offset + 2);
  if (first === undefined) return der.length + 1;
  if (first < 0x80) return offset + 2 + first;
  const count = first & 0x7f;
  let length = 0;
  for (const octet of der.subarray(offset + 2, offset + 2 + count)) length = length * 256 + octet;
  return offset + 2 + count + length;
};

/**
 * The TBSCertificate's `signature` field as its DER bytes, found by walking the structure (§4.1:
 * SEQUENCE { [0] version, serialNumber, signature, … }) rather than parsing all of it; null when the
 * walk does not find it.
 */
const declaredSignatureField = (tbs: Uint8Array): Uint8Array | null => {
  if (tbs[0] !== 0x30) return null;
  const lengthOctet = tbs[1] ?? 0;
  let offset = 2 + (lengthOctet < 0x80 ? 0 : lengthOctet & 0x7f);
  if (tbs[offset] === 0xa0) offset = skipElement(tbs, offset);
  offset = skipElement(tbs, offset);
  const end = skipElement(tbs, offset);
  return tbs[offset] === 0x30 && end <= tbs.length ? tbs.subarray(offset, end) : null;
};

/**
 * A DER Certificate from a DER TBSCertificate. RFC 5280 §4.1.1.2: the outer signatureAlgorithm must equal
 * the TBS `signature` field, so a signer of another algorithm than the template named is refused.
 */
export const signCertificate = async (tbs: Uint8Array, signer: Signer): Promise<Uint8Array> => {
  const declaredBytes = declaredSignatureField(tbs);
  const matches = declaredBytes === null
    ? sameAlgorithmIdentifier(AsnConvert.parse(tbs, TBSCertificate).signature, signatureAlgorithmIdentifier(signer.keyAlgorithm))
    : Buffer.from(declaredBytes).equals(algorithmIdentifierDer(signer.keyAlgorithm));
  if (!matches) {
    const declared = AsnConvert.parse(tbs, TBSCertificate).signature;
    throw new TrustplaneError(
      'INTERNAL',
      `the certificate names signature algorithm ${declared.algorithm} but the issuer's ${signer.keyAlgorithm} key signs with ${signatureAlgorithmOf(signer.keyAlgorithm).oid}; build the template with signatureKeyAlgorithm '${signer.keyAlgorithm}'`,
    );
  }
  return encodeSignedStructure(tbs, signer);
};
