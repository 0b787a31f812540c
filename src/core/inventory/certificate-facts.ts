// @peculiar/x509 finds its algorithm providers through tsyringe, which needs the Reflect metadata API.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { X509Certificate } from 'node:crypto';
import type { CredentialFacts } from './credential-facts.ts';
import { sha256Hex } from './fingerprint.ts';
import { describeKeyObject, describeSubjectPublicKeyInfo } from './public-key-facts.ts';
import type { PublicKeyFacts } from './public-key-facts.ts';
import { certificateFields } from '../pki/certificate-template.ts';
import { encodingOf } from '../pki/der.ts';
import { normaliseSerialNumber } from './serial-number.ts';

// node:crypto prints names one RDN per line, least specific first, values escaped as RFC 4514 wants
// (OpenSSL's ESC_2253); RFC 4514 §2.1 orders them most specific first, joined by commas.
const toRfc4514 = (multiline: string): string => multiline.split('\n').filter((rdn) => rdn !== '').reverse().join(', ');

const unescapeValue = (value: string): string =>
  value.replaceAll(/\\([0-9A-Fa-f]{2}|.)/g, (_, escaped: string) =>
    escaped.length === 2 ? String.fromCharCode(Number.parseInt(escaped, 16)) : escaped);

// A multi-valued RDN is one line with its attributes joined by " + " ("OU=ops + CN=api"); a "+" inside
// a value is escaped, so the split is safe.
const commonName = (multiline: string): string | undefined => {
  const attribute = multiline.split('\n').reverse().flatMap((rdn) => rdn.split(' + ')).find((line) => line.startsWith('CN='));
  return attribute === undefined ? undefined : unescapeValue(attribute.slice(3));
};

// Signature algorithms carry OpenSSL's names, so the facts read like `openssl x509 -text`, except the
// EdDSA ones, spelled as RFC 8410 §3 does (OpenSSL prints ED25519); the OID when OpenSSL has no name.
const rfc8410Names: ReadonlyMap<string, string> = new Map([['1.3.101.112', 'Ed25519'], ['1.3.101.113', 'Ed448']]);

/**
 * A subjectAltName entry with its type prefix (RFC 5280 §4.2.1.6). @peculiar/x509 decodes two otherName
 * forms, Microsoft's GUID and UPN, kept here as their OIDs; it skips the other otherName forms,
 * x400Address and ediPartyName, and directory names are left out: none of them helps match a credential.
 */
const subjectAltName = (name: x509.GeneralName): string[] => {
  switch (name.type) {
    case 'dns': return [`dns:${name.value}`];
    case 'ip': return [`ip:${name.value}`];
    case 'email': return [`email:${name.value}`];
    case 'url': return [`uri:${name.value}`];
    case 'id': return [`rid:${name.value}`];
    case 'guid': return ['othername:1.3.6.1.4.1.311.25.1'];
    case 'upn': return ['othername:1.3.6.1.4.1.311.20.2.3'];
    case 'dn': return [];
  }
};

type CertificateFields = {
  subject: string;
  issuer: string;
  serialNumber: string;
  notBefore: Date;
  notAfter: Date;
  isCa: boolean;
  signatureAlgorithm: string;
  key: PublicKeyFacts | null;
  sans: string[];
};

const nodeSanPrefixes: ReadonlyMap<string, string> = new Map([
  ['DNS', 'dns'], ['email', 'email'], ['URI', 'uri'], ['IP Address', 'ip'], ['Registered ID', 'rid'],
]);

/**
 * The subjectAltName entries from node:crypto's own rendering, for the common case only: node quotes
 * (as JSON) any value that would make its ", "-separated list ambiguous, so a list without quotes
 * splits safely. Null, to ask @peculiar/x509 instead, for quoted values, otherName and directory names,
 * and IPv6 addresses (whose spelling differs between the two).
 */
const sansFromNode = (rendered: string | undefined): string[] | null => {
  if (rendered === undefined) return [];
  if (rendered.includes('"')) return null;
  const sans: string[] = [];
  for (const entry of rendered.split(', ')) {
    const colon = entry.indexOf(':');
    const prefix = colon < 0 ? undefined : nodeSanPrefixes.get(entry.slice(0, colon));
    const value = entry.slice(colon + 1);
    if (prefix === undefined || (prefix === 'ip' && value.includes(':'))) return null;
    sans.push(`${prefix}:${value}`);
  }
  return sans;
};

/** The key's facts from its bytes (a key the CA just certified is described already, and remembered). */
const keyFromNode = (certificate: X509Certificate, der: Uint8Array): PublicKeyFacts | null => {
  const fields = certificateFields(der);
  if (fields !== null) return describeSubjectPublicKeyInfo(encodingOf(der, fields.spki));
  try {
    const key = certificate.publicKey;
    return describeKeyObject(key, key.export({ type: 'spki', format: 'der' }));
  } catch {
    return null;
  }
};

// node:crypto gives the names, dates, serial, CA flag and signature algorithm as OpenSSL reads them, and,
// for nearly every certificate, the subjectAltName entries and the key. @peculiar/x509 (fifty times
// slower: docs/benchmarks.md) reads only what node:crypto cannot: unusual subjectAltName entries, and the
// key of an algorithm node:crypto cannot load. Either throws on bytes that are not a certificate.
const readCertificate = (der: Uint8Array): CertificateFields | null => {
  try {
    const certificate = new X509Certificate(der);
    // node:crypto re-encodes what it read: bytes after the certificate, or a BER outer layer, differ.
    if (!certificate.raw.equals(der)) return null;
    let structure: x509.X509Certificate | undefined;
    const parsed = () => (structure ??= new x509.X509Certificate(der));
    const oid = certificate.signatureAlgorithmOid;
    return {
      // node:crypto leaves subject and issuer undefined, against its types, when the name is empty.
      subject: (certificate.subject as string | undefined) ?? '',
      issuer: (certificate.issuer as string | undefined) ?? '',
      serialNumber: certificate.serialNumber,
      notBefore: certificate.validFromDate,
      notAfter: certificate.validToDate,
      isCa: certificate.ca,
      signatureAlgorithm: rfc8410Names.get(oid) ?? certificate.signatureAlgorithm ?? oid,
      key: keyFromNode(certificate, der) ?? describeSubjectPublicKeyInfo(new Uint8Array(parsed().publicKey.rawData)),
      sans: sansFromNode(certificate.subjectAltName)
        ?? parsed().getExtension(x509.SubjectAlternativeNameExtension)?.names.items.flatMap(subjectAltName) ?? [],
    };
  } catch {
    return null;
  }
};

/** Facts of one DER X.509 certificate, or null when the bytes are not exactly one readable certificate. */
export const certificateFacts = (der: Uint8Array): CredentialFacts | null => {
  const fields = readCertificate(der);
  const key = fields?.key ?? null;
  if (fields === null || key === null) return null;
  const { sans } = fields;
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
    signatureAlgorithm: fields.signatureAlgorithm,
  };
};
