// The reference the hand-written DER of src/core/pki is held to: the to-be-signed certificate as
// @peculiar/asn1-schema builds it from its schemas (what Trustplane used before der.ts). Tests compare
// the two byte for byte; nothing outside the tests uses this.
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import {
  AccessDescription, AttributeTypeAndValue, AttributeValue, AuthorityInfoAccessSyntax, AuthorityKeyIdentifier,
  BasicConstraints, CRLDistributionPoints, DistributionPoint, DistributionPointName, ExtendedKeyUsage, Extension,
  Extensions, GeneralName, KeyIdentifier, KeyUsage, KeyUsageFlags, Name, RelativeDistinguishedName,
  SubjectAlternativeName, SubjectKeyIdentifier, SubjectPublicKeyInfo, TBSCertificate, Time, Validity, Version,
  id_ad_caIssuers, id_ad_ocsp, id_ce_authorityKeyIdentifier, id_ce_basicConstraints, id_ce_cRLDistributionPoints,
  id_ce_extKeyUsage, id_ce_keyUsage, id_ce_subjectAltName, id_ce_subjectKeyIdentifier, id_pe_authorityInfoAccess,
} from '@peculiar/asn1-x509';
import { createHash } from 'node:crypto';
import { TrustplaneError } from '../../src/core/errors.ts';
import { certificateProfiles, keyUsageFor, ocspNoCheckOid, subjectKeyOf } from '../../src/core/pki/certificate-profile.ts';
import type { CertificateSubject, CertificateTemplate } from '../../src/core/pki/certificate-template.ts';
import { signatureAlgorithmIdentifier } from '../../src/core/pki/sign-certificate.ts';

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

/** RFC 5280 §4.2.1.2 method 1, through asn1-schema's SubjectPublicKeyInfo. */
export const keyIdentifierOf = (spki: Uint8Array): Uint8Array =>
  new Uint8Array(createHash('sha1').update(new Uint8Array(AsnConvert.parse(spki, SubjectPublicKeyInfo).subjectPublicKey)).digest());

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
export const referenceGeneralName = (san: string): GeneralName => {
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

const extension = (extnID: string, critical: boolean, value: unknown): Extension =>
  new Extension({ extnID, critical, extnValue: new OctetString(AsnConvert.serialize(value)) });

const uri = (url: string) => new GeneralName({ uniformResourceIdentifier: url });

/** DER TBSCertificate, v3, for `template`. Throws VALIDATION_FAILED on a SAN or issuer name it cannot encode. */
export const referenceTbsCertificate = (template: CertificateTemplate): Uint8Array => {
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
    ...(template.sans.length === 0 ? [] : [extension(id_ce_subjectAltName, subject.length === 0, new SubjectAlternativeName(template.sans.map(referenceGeneralName)))]),
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

