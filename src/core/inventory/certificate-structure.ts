import { oids } from './algorithm-names.ts';
import { decodeOid, derTag, readAlgorithmIdentifier, readChildren, readWhole } from './der-reader.ts';
import type { Tlv } from './der-reader.ts';

/** The parts of a certificate node:crypto's X509Certificate does not expose. */
export type CertificateStructure = {
  signatureAlgorithmOid: string;
  subjectPublicKeyInfo: Uint8Array;
  subjectAltName: Uint8Array | undefined;
};

const versionTag = 0xa0;
const extensionsTag = 0xa3;

// Extension ::= SEQUENCE { extnID OID, critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING }
const findExtension = (extensions: Tlv, oid: string): Uint8Array | undefined => {
  const list = readWhole(extensions.content, derTag.sequence);
  for (const extension of (list === null ? null : readChildren(list.content)) ?? []) {
    const parts = readChildren(extension.content);
    const id = parts?.[0];
    const value = parts?.[parts.length - 1];
    if (id?.tag === derTag.oid && value?.tag === derTag.octetString && decodeOid(id.content) === oid) return value.content;
  }
  return undefined;
};

/**
 * Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue } and
 * TBSCertificate ::= SEQUENCE { [0] version OPTIONAL, serialNumber, signature, issuer, validity, subject,
 * subjectPublicKeyInfo, [1] issuerUniqueID OPTIONAL, [2] subjectUniqueID OPTIONAL, [3] extensions OPTIONAL }
 * (RFC 5280 §4.1). Null when `der` is not exactly one certificate.
 */
export const readCertificateStructure = (der: Uint8Array): CertificateStructure | null => {
  const certificate = readWhole(der, derTag.sequence);
  const parts = certificate === null ? null : readChildren(certificate.content);
  if (parts?.length !== 3 || parts[0]!.tag !== derTag.sequence) return null;
  const signatureAlgorithm = readAlgorithmIdentifier(parts[1]!);
  const tbs = readChildren(parts[0]!.content);
  if (signatureAlgorithm === null || tbs === null) return null;
  const fields = tbs[0]?.tag === versionTag ? tbs.slice(1) : tbs;
  const subjectPublicKeyInfo = fields[5];
  if (subjectPublicKeyInfo?.tag !== derTag.sequence) return null;
  const extensions = fields.slice(6).find((field) => field.tag === extensionsTag);
  return {
    signatureAlgorithmOid: signatureAlgorithm.oid,
    subjectPublicKeyInfo: subjectPublicKeyInfo.encoded,
    subjectAltName: extensions === undefined ? undefined : findExtension(extensions, oids.subjectAltName),
  };
};
