import { X509Certificate } from 'node:crypto';
import type { CredentialFacts } from './credential-facts.ts';
import { signatureAlgorithmName } from './algorithm-names.ts';
import { readCertificateStructure } from './certificate-structure.ts';
import { sha256Hex } from './fingerprint.ts';
import { decodeSubjectAltNames } from './general-names.ts';
import { describeSubjectPublicKeyInfo } from './public-key-facts.ts';
import { normaliseSerialNumber } from './serial-number.ts';

// node:crypto prints names one RDN per line, least specific first, values escaped as RFC 4514 wants
// (OpenSSL's ESC_2253); RFC 4514 §2.1 orders them most specific first, joined by commas.
const toRfc4514 = (multiline: string): string => multiline.split('\n').filter((rdn) => rdn !== '').reverse().join(', ');

const unescapeValue = (value: string): string =>
  value.replaceAll(/\\([0-9A-Fa-f]{2}|.)/g, (_, escaped: string) =>
    escaped.length === 2 ? String.fromCharCode(Number.parseInt(escaped, 16)) : escaped);

const commonName = (multiline: string): string | undefined => {
  const rdn = multiline.split('\n').reverse().find((line) => line.startsWith('CN='));
  return rdn === undefined ? undefined : unescapeValue(rdn.slice(3));
};

/** Facts of one DER X.509 certificate, or null when the bytes are not exactly one readable certificate. */
export const certificateFacts = (der: Uint8Array): CredentialFacts | null => {
  const structure = readCertificateStructure(der);
  if (structure === null) return null;
  let fields: { subject: string; issuer: string; serialNumber: string; notBefore: Date; notAfter: Date; isCa: boolean };
  try {
    const certificate = new X509Certificate(der);
    // node:crypto leaves subject and issuer undefined, against its types, when the name is empty.
    fields = {
      subject: (certificate.subject as string | undefined) ?? '',
      issuer: (certificate.issuer as string | undefined) ?? '',
      serialNumber: certificate.serialNumber,
      notBefore: certificate.validFromDate,
      notAfter: certificate.validToDate,
      isCa: certificate.ca,
    };
  } catch {
    return null;
  }
  const key = describeSubjectPublicKeyInfo(structure.subjectPublicKeyInfo);
  const sans = structure.subjectAltName === undefined ? [] : decodeSubjectAltNames(structure.subjectAltName);
  if (key === null || sans === null) return null;
  const subject = toRfc4514(fields.subject);
  const serial = normaliseSerialNumber(fields.serialNumber) ?? fields.serialNumber.toLowerCase();
  const firstSan = sans[0]?.slice(sans[0].indexOf(':') + 1);
  const name = commonName(fields.subject) ?? firstSan ?? (subject === '' ? `certificate ${serial}` : subject);
  return {
    kind: 'x509_certificate',
    fingerprint: sha256Hex(der),
    name,
    subject,
    issuer: toRfc4514(fields.issuer),
    ...(sans.length > 0 ? { sans } : {}),
    serial,
    notBefore: fields.notBefore,
    notAfter: fields.notAfter,
    keyAlgorithm: key.keyAlgorithm,
    ...(key.keySize === undefined ? {} : { keySize: key.keySize }),
    isCa: fields.isCa,
    signatureAlgorithm: signatureAlgorithmName(structure.signatureAlgorithmOid),
  };
};
