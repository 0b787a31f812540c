// The to-be-signed part of a certificate (RFC 5280 §4.1.2), built from a plain template. What each
// profile carries comes from certificate-profile.ts; the lints then re-read the bytes built here.
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import {
  AccessDescription, AttributeTypeAndValue, AttributeValue, AuthorityInfoAccessSyntax, AuthorityKeyIdentifier,
  BasicConstraints, CRLDistributionPoints, DistributionPoint, DistributionPointName, ExtendedKeyUsage, Extension,
  Extensions, GeneralName, KeyIdentifier, KeyUsage, KeyUsageFlags, Name, RelativeDistinguishedName,
  SubjectAlternativeName, SubjectKeyIdentifier, SubjectPublicKeyInfo, TBSCertificate, Time, Validity, Version,
  id_ad_caIssuers, id_ad_ocsp, id_ce_authorityKeyIdentifier, id_ce_basicConstraints, id_ce_cRLDistributionPoints,
  id_ce_extKeyUsage, id_ce_keyUsage, id_ce_subjectAltName, id_ce_subjectKeyIdentifier, id_pe_authorityInfoAccess,
} from '@peculiar/asn1-x509';
import * as asn1js from 'asn1js';
import { createHash } from 'node:crypto';
import { TrustplaneError } from '../errors.ts';
import { certificateProfiles, keyUsageFor, ocspNoCheckOid, subjectKeyOf } from './certificate-profile.ts';
import type { CertificateProfileName } from './certificate-profile.ts';
import { signatureAlgorithmIdentifier } from './sign-certificate.ts';
import type { CaKeyAlgorithm } from './signer.ts';

export type CertificateSubject = { commonName: string; organization?: string };

/** The issuing CA: its certificate's subject Name (DER) and SubjectPublicKeyInfo (DER); or the certificate itself. */
export type CertificateIssuer = { name: Uint8Array; publicKey: Uint8Array } | 'self';

export type CertificateUrls = { crlDistributionPoint?: string; caIssuers?: string; ocsp?: string };

export type CertificateTemplate = {
  profile: CertificateProfileName;
  /** Big-endian magnitude; make it with serialFromRandom. */
  serial: Uint8Array;
  subject: CertificateSubject;
  issuer: CertificateIssuer;
  /** Prefixed as the inventory writes them: dns:, ip:, uri:, email:. */
  sans: readonly string[];
  notBefore: Date;
  notAfter: Date;
  /** DER SubjectPublicKeyInfo of the key being certified. */
  subjectPublicKey: Uint8Array;
  /** The issuer's key algorithm, which names the TBS `signature` field. */
  signatureKeyAlgorithm: CaKeyAlgorithm;
  pathLength?: number;
  urls?: CertificateUrls;
};

/**
 * A positive serial number from random bytes (RFC 5280 §4.1.2.2: positive, at most 20 octets). The top
 * bit is cleared so the INTEGER is positive without a sign octet, and the next bit set so the first
 * byte is never zero and the serial keeps its full length: 8n − 2 random bits, so 9 bytes or more give
 * the 64 bits CA/Browser Forum BR §7.1 asks for (16 bytes give 126).
 */
export const serialFromRandom = (bytes: Uint8Array): Uint8Array => {
  if (bytes.length < 9 || bytes.length > 20) throw new RangeError(`a serial needs 9 to 20 random bytes, not ${bytes.length}`);
  const serial = Uint8Array.from(bytes);
  serial[0] = (serial[0]! & 0x3f) | 0x40;
  return serial;
};

/** DER INTEGER contents of a magnitude: minimal, with a 00 octet when the high bit is set (X.690 §8.3.2). */
const integerContents = (magnitude: Uint8Array): Uint8Array => {
  let start = 0;
  while (start < magnitude.length - 1 && magnitude[start] === 0) start += 1;
  const minimal = magnitude.subarray(start);
  return minimal.length > 0 && minimal[0]! >= 0x80 ? Uint8Array.of(0, ...minimal) : Uint8Array.from(minimal.length > 0 ? minimal : [0]);
};

/** UTCTime through 2049, GeneralizedTime otherwise, whole seconds (RFC 5280 §4.1.2.5). */
const certificateTime = (date: Date): Time => {
  const seconds = new Date(Math.floor(date.getTime() / 1000) * 1000);
  const year = seconds.getUTCFullYear();
  return new Time(year >= 1950 && year < 2050 ? { utcTime: seconds } : { generalTime: seconds });
};

const attribute = (type: string, value: string) =>
  new RelativeDistinguishedName([new AttributeTypeAndValue({ type, value: new AttributeValue({ utf8String: value }) })]);

// RFC 5280 §4.1.2.4: new certificates encode names as UTF8String; least specific RDN first.
const subjectName = (subject: CertificateSubject): Name => new Name([
  ...(subject.organization === undefined ? [] : [attribute('2.5.4.10', subject.organization)]),
  ...(subject.commonName === '' ? [] : [attribute('2.5.4.3', subject.commonName)]),
]);

/** The issuer Name, refused unless it re-encodes to exactly its bytes: names chain by their encoding. */
const issuerName = (der: Uint8Array): Name => {
  const notDer = new TrustplaneError('VALIDATION_FAILED', "the issuer's subject Name is not one DER Name; take it from issuerFromCertificate");
  let name: Name;
  try {
    name = AsnConvert.parse(der, Name);
  } catch {
    throw notDer;
  }
  if (!Buffer.from(AsnConvert.serialize(name)).equals(der)) throw notDer;
  return name;
};

const keyIdentifiers = new Map<string, Uint8Array>();

/**
 * Key identifier by RFC 5280 §4.2.1.2 method 1: SHA-1 of the subjectPublicKey BIT STRING's value.
 * Remembered for the last keys asked about (an issuance asks about the issuer's and the subject's keys,
 * when building and again when linting); a copy is returned, so callers cannot change what is kept.
 */
export const keyIdentifierOf = (spki: Uint8Array): Uint8Array => {
  const cacheKey = Buffer.from(spki).toString('base64');
  let identifier = keyIdentifiers.get(cacheKey);
  if (identifier === undefined) {
    identifier = new Uint8Array(createHash('sha1').update(new Uint8Array(AsnConvert.parse(spki, SubjectPublicKeyInfo).subjectPublicKey)).digest());
    if (keyIdentifiers.size >= 1024) keyIdentifiers.clear();
    keyIdentifiers.set(cacheKey, identifier);
  }
  return identifier.slice();
};

const dnsName = /^(?:\*\.)?(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/i;
const ipv4 = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;
const ia5 = /^[\x21-\x7e]+$/;

const isIpv6 = (text: string): boolean => {
  if (!/^[0-9a-f:.]+$/i.test(text) || !text.includes(':')) return false;
  return URL.canParse(`http://[${text}]/`);
};

const invalidSan = (san: string, why: string) =>
  new TrustplaneError('VALIDATION_FAILED', `subjectAltName ${JSON.stringify(san.slice(0, 80))} ${why}`);

/** A prefixed SAN as a GeneralName (RFC 5280 §4.2.1.6); refused when the value is not of its type. */
export const generalNameOfSan = (san: string): GeneralName => {
  const colon = san.indexOf(':');
  const value = san.slice(colon + 1);
  switch (san.slice(0, colon)) {
    case 'dns':
      if (value.length > 253 || !dnsName.test(value)) throw invalidSan(san, 'is not a DNS name (letters, digits, hyphens; a leading *. at most)');
      return new GeneralName({ dNSName: value });
    case 'ip':
      if (!ipv4.test(value) && !isIpv6(value)) throw invalidSan(san, 'is not an IPv4 or IPv6 address');
      return new GeneralName({ iPAddress: value });
    case 'uri':
      if (!ia5.test(value) || !URL.canParse(value)) throw invalidSan(san, 'is not an absolute ASCII URI');
      return new GeneralName({ uniformResourceIdentifier: value });
    case 'email':
      if (!ia5.test(value) || !/^[^@]+@[^@]+$/.test(value)) throw invalidSan(san, 'is not an ASCII email address');
      return new GeneralName({ rfc822Name: value });
    default:
      throw invalidSan(san, 'needs one of the prefixes dns:, ip:, uri: or email:');
  }
};

/** A GeneralName in the inventory's prefixed form; null for the types Trustplane does not issue. */
export const sanOfGeneralName = (name: GeneralName): string | null => {
  if (name.dNSName !== undefined) return `dns:${name.dNSName}`;
  if (name.iPAddress !== undefined) return name.iPAddress.includes('/') ? null : `ip:${name.iPAddress}`;
  if (name.uniformResourceIdentifier !== undefined) return `uri:${name.uniformResourceIdentifier}`;
  if (name.rfc822Name !== undefined) return `email:${name.rfc822Name}`;
  return null;
};

const extension = (extnID: string, critical: boolean, value: unknown): Extension =>
  new Extension({ extnID, critical, extnValue: new OctetString(AsnConvert.serialize(value)) });

const uri = (url: string) => new GeneralName({ uniformResourceIdentifier: url });

/** DER TBSCertificate, v3, for `template`. Throws VALIDATION_FAILED on a SAN or issuer name it cannot encode. */
export const buildTbsCertificate = (template: CertificateTemplate): Uint8Array => {
  const profile = certificateProfiles[template.profile];
  const subjectKey = subjectKeyOf(template.subjectPublicKey);
  if (subjectKey === null) throw new TrustplaneError('VALIDATION_FAILED', 'the subject public key is not a DER SubjectPublicKeyInfo');
  const subject = subjectName(template.subject);
  const issuer = template.issuer === 'self' ? subject : issuerName(template.issuer.name);
  const issuerKey = template.issuer === 'self' ? template.subjectPublicKey : template.issuer.publicKey;
  const urls = profile.revocationPointers ? template.urls ?? {} : {};
  const pathLength = template.pathLength ?? profile.defaultPathLength;

  const keyUsage = keyUsageFor(profile, subjectKey).reduce((flags, bit) => flags | KeyUsageFlags[bit], 0);
  const access = [
    ...(urls.ocsp === undefined ? [] : [new AccessDescription({ accessMethod: id_ad_ocsp, accessLocation: uri(urls.ocsp) })]),
    ...(urls.caIssuers === undefined ? [] : [new AccessDescription({ accessMethod: id_ad_caIssuers, accessLocation: uri(urls.caIssuers) })]),
  ];
  const extensions = [
    extension(id_ce_basicConstraints, true, new BasicConstraints(profile.ca ? { cA: true, pathLenConstraint: pathLength } : { cA: false })),
    extension(id_ce_keyUsage, true, new KeyUsage(keyUsage)),
    ...(profile.extendedKeyUsage.length === 0 ? [] : [extension(id_ce_extKeyUsage, false, new ExtendedKeyUsage([...profile.extendedKeyUsage]))]),
    extension(id_ce_subjectKeyIdentifier, false, new SubjectKeyIdentifier(keyIdentifierOf(template.subjectPublicKey))),
    extension(id_ce_authorityKeyIdentifier, false, new AuthorityKeyIdentifier({ keyIdentifier: new KeyIdentifier(keyIdentifierOf(issuerKey)) })),
    // §4.2.1.6: with an empty subject the SAN extension carries the identity and must be critical.
    ...(template.sans.length === 0 ? [] : [extension(id_ce_subjectAltName, subject.length === 0, new SubjectAlternativeName(template.sans.map(generalNameOfSan)))]),
    ...(urls.crlDistributionPoint === undefined ? [] : [extension(id_ce_cRLDistributionPoints, false, new CRLDistributionPoints([
      new DistributionPoint({ distributionPoint: new DistributionPointName({ fullName: [uri(urls.crlDistributionPoint)] }) }),
    ]))]),
    ...(access.length === 0 ? [] : [extension(id_pe_authorityInfoAccess, false, new AuthorityInfoAccessSyntax(access))]),
    ...(profile.ocspNoCheck ? [new Extension({ extnID: ocspNoCheckOid, critical: false, extnValue: new OctetString([0x05, 0x00]) })] : []),
  ];

  const tbs = new TBSCertificate({
    version: Version.v3,
    serialNumber: integerContents(template.serial).slice().buffer,
    signature: signatureAlgorithmIdentifier(template.signatureKeyAlgorithm),
    issuer,
    validity: new Validity(),
    subject,
    subjectPublicKeyInfo: AsnConvert.parse(template.subjectPublicKey, SubjectPublicKeyInfo),
    extensions: new Extensions(extensions),
  });
  tbs.validity.notBefore = certificateTime(template.notBefore);
  tbs.validity.notAfter = certificateTime(template.notAfter);
  return new Uint8Array(AsnConvert.serialize(tbs));
};

export type IssuingCertificate = { name: Uint8Array; publicKey: Uint8Array; notBefore: Date; notAfter: Date };

/**
 * What issuing under a CA certificate needs from it: its subject Name and SubjectPublicKeyInfo as their
 * exact DER bytes (the next certificate's issuer field must match them), and its validity for the lints.
 */
export const issuerFromCertificate = (der: Uint8Array): IssuingCertificate => {
  const parsed = asn1js.fromBER(der);
  const tbs = parsed.result instanceof asn1js.Sequence ? parsed.result.valueBlock.value[0] : undefined;
  if (parsed.offset !== der.length || !(tbs instanceof asn1js.Sequence)) {
    throw new TrustplaneError('VALIDATION_FAILED', 'the issuing certificate is not one DER certificate');
  }
  // TBSCertificate: [0] version, serialNumber, signature, issuer, validity, subject, subjectPublicKeyInfo, … (§4.1)
  const fields = tbs.valueBlock.value;
  const first = fields[0]?.idBlock.tagClass === 3 ? 1 : 0;
  const [validity, subject, spki] = [fields[first + 3], fields[first + 4], fields[first + 5]];
  if (validity === undefined || subject === undefined || spki === undefined) {
    throw new TrustplaneError('VALIDATION_FAILED', 'the issuing certificate lacks a validity, subject or public key');
  }
  const period = AsnConvert.parse(validity.valueBeforeDecodeView, Validity);
  return {
    name: Uint8Array.from(subject.valueBeforeDecodeView),
    publicKey: Uint8Array.from(spki.valueBeforeDecodeView),
    notBefore: period.notBefore.getTime(),
    notAfter: period.notAfter.getTime(),
  };
};
