// The to-be-signed part of a certificate (RFC 5280 §4.1.2), built from a plain template with the DER
// writer of der.ts. What each profile carries comes from certificate-profile.ts; the lints then re-read
// the bytes built here.
import {
  id_ad_caIssuers, id_ad_ocsp, id_ce_authorityKeyIdentifier, id_ce_basicConstraints, id_ce_cRLDistributionPoints,
  id_ce_extKeyUsage, id_ce_keyUsage, id_ce_subjectAltName, id_ce_subjectKeyIdentifier, id_pe_authorityInfoAccess,
} from '@peculiar/asn1-x509';
import { isUtf8 } from 'node:buffer';
import { createHash } from 'node:crypto';
import { TrustplaneError } from '../errors.ts';
import { certificateProfiles, keyUsageFor, ocspNoCheckOid, subjectKeyOf } from './certificate-profile.ts';
import type { CertificateProfile, CertificateProfileName, KeyUsageBit, SubjectKey } from './certificate-profile.ts';
import {
  derCertificateTime, derInteger, derNamedBits, derNull, derOctetString, derOid, derSmallInteger, derTrue, derUtf8String,
  dottedOid, elementsOf, encodingOf, readTime, sequence, setOf, tagged, wholeElement,
} from './der.ts';
import type { DerElement } from './der.ts';
import { algorithmIdentifierDer } from './sign-certificate.ts';
import type { CaKeyAlgorithm } from './signer.ts';

export type CertificateSubject = { commonName: string; organization?: string };

/** The issuing CA: its certificate's subject Name (DER) and SubjectPublicKeyInfo (DER); or the certificate itself. */
export type CertificateIssuer = { name: Uint8Array; publicKey: Uint8Array } | 'self';

export type CertificateUrls = { crlDistributionPoint?: string; caIssuers?: string; ocsp?: string };

export type CertificateTemplate = {
  profile: CertificateProfileName;
  /** Big-endian magnitude; make it with serialInIssueOrder. */
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

/** Random octets in a serial made by serialInIssueOrder: 72 bits, above the 64 CA/Browser Forum BR §7.1 asks for. */
export const serialRandomOctets = 9;
/** The octets before them: 0x40 and the issue time. */
export const serialPrefixOctets = 7;

/**
 * A positive 16-octet serial that sorts in issue order: 0x40, the issue time in milliseconds since 1970
 * (6 octets, big-endian, enough until the year 10889), then `serialRandomOctets` random octets. A CA's
 * serials then land at the end of its index (the issued certificates' key is CA and serial) instead of
 * all over it, so recording a hundred certificates rewrites a few index pages rather than a hundred
 * (docs/benchmarks.md). The serial tells when the certificate was issued, to the millisecond (notBefore
 * is a minute earlier, or the issuer's own when that is later), and certificates issued in one batch
 * share its first seven octets: for a private CA, an acceptable cost of recording them in order.
 */
export const serialInIssueOrder = (at: Date, random: Uint8Array): Uint8Array => {
  const ms = at.getTime();
  if (random.length !== serialRandomOctets) throw new RangeError(`a serial takes ${serialRandomOctets} random octets, not ${random.length}`);
  if (!Number.isSafeInteger(ms) || ms < 0 || ms >= 2 ** 48) throw new RangeError(`a serial's time is from 1970 to the year 10889, not ${at.toISOString()}`);
  const serial = new Uint8Array(serialPrefixOctets + serialRandomOctets);
  serial[0] = 0x40;
  for (let octet = serialPrefixOctets - 1, rest = ms; octet >= 1; octet -= 1, rest = Math.floor(rest / 256)) serial[octet] = rest % 256;
  serial.set(random, serialPrefixOctets);
  return serial;
};

// RFC 5280 §4.1.2.4: new certificates encode names as UTF8String; least specific RDN first, one attribute per RDN.
const attribute = (type: string, value: string): Uint8Array => setOf(sequence(derOid(type), derUtf8String(value)));

const subjectName = (subject: CertificateSubject): Uint8Array => sequence(
  ...(subject.organization === undefined ? [] : [attribute('2.5.4.10', subject.organization)]),
  ...(subject.commonName === '' ? [] : [attribute('2.5.4.3', subject.commonName)]),
);

/** The issuer Name as given, refused unless it is one DER Name (SEQUENCE OF SET OF SEQUENCE): names chain by their encoding. */
const issuerName = (der: Uint8Array): Uint8Array => {
  const name = wholeElement(der);
  const rdns = name === null || name.tag !== 0x30 ? null : elementsOf(der, name);
  const wellFormed = rdns !== null && rdns.every((rdn) => rdn.tag === 0x31 && elementsOf(der, rdn)?.every((pair) => pair.tag === 0x30) === true);
  if (!wellFormed) throw new TrustplaneError('VALIDATION_FAILED', "the issuer's subject Name is not one DER Name; take it from issuerFromCertificate");
  return der;
};

/** The subjectPublicKey BIT STRING's value (without its unused-bits octet) of a DER SubjectPublicKeyInfo; null if it is not one. */
export const subjectPublicKeyBits = (spki: Uint8Array): Uint8Array | null => {
  const info = wholeElement(spki);
  const fields = info === null || info.tag !== 0x30 ? null : elementsOf(spki, info);
  const [algorithm, key] = fields ?? [];
  if (fields?.length !== 2 || algorithm?.tag !== 0x30 || key?.tag !== 0x03 || key.end === key.start || spki[key.start] !== 0) return null;
  return spki.subarray(key.start + 1, key.end);
};

const keyIdentifiers = new Map<string, Uint8Array>();

/**
 * Key identifier by RFC 5280 §4.2.1.2 method 1: SHA-1 of the subjectPublicKey BIT STRING's value.
 * Remembered for the last keys asked about (an issuance asks about the issuer's and the subject's keys,
 * when building and again when linting); a copy is returned, so callers cannot change what is kept.
 */
export const keyIdentifierOf = (spki: Uint8Array): Uint8Array => {
  const cacheKey = Buffer.from(spki.buffer, spki.byteOffset, spki.length).toString('latin1');
  let identifier = keyIdentifiers.get(cacheKey);
  if (identifier === undefined) {
    const bits = subjectPublicKeyBits(spki);
    if (bits === null) throw new TrustplaneError('VALIDATION_FAILED', 'the public key is not a DER SubjectPublicKeyInfo');
    identifier = new Uint8Array(createHash('sha1').update(bits).digest());
    if (keyIdentifiers.size >= 1024) keyIdentifiers.clear();
    keyIdentifiers.set(cacheKey, identifier);
  }
  return identifier.slice();
};

const dnsName = /^(?:\*\.)?(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/i;
const ipv4 = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;
const ia5 = /^[\x21-\x7e]+$/;

/** The 16 octets of an IPv6 address; null if `text` is not one. The URL parser validates and compresses it first. */
const ipv6Octets = (text: string): Uint8Array | null => {
  if (!/^[0-9a-f:.]+$/i.test(text) || !text.includes(':') || !URL.canParse(`http://[${text}]/`)) return null;
  // WHATWG URL serializes IPv6 hosts as hex groups with at most one "::" and no dotted quad.
  const host = new URL(`http://[${text}]/`).hostname.slice(1, -1);
  const [head = '', tail] = host.split('::');
  const groups = (part: string) => (part === '' ? [] : part.split(':').map((group) => Number.parseInt(group, 16)));
  const left = groups(head);
  const right = tail === undefined ? [] : groups(tail);
  const all = [...left, ...Array.from({ length: 8 - left.length - right.length }, () => 0), ...right];
  const octets = new Uint8Array(16);
  all.forEach((group, index) => {
    octets[index * 2] = group >> 8;
    octets[index * 2 + 1] = group & 0xff;
  });
  return octets;
};

const invalidSan = (san: string, why: string) =>
  new TrustplaneError('VALIDATION_FAILED', `subjectAltName ${JSON.stringify(san.slice(0, 80))} ${why}`);

/**
 * A prefixed SAN as a DER GeneralName (RFC 5280 §4.2.1.6), its choice tagged IMPLICIT: rfc822Name [1],
 * dNSName [2], uniformResourceIdentifier [6], iPAddress [7]. Refused when the value is not of its type.
 */
export const generalNameOfSan = (san: string): Uint8Array => {
  const colon = san.indexOf(':');
  const value = san.slice(colon + 1);
  switch (san.slice(0, colon)) {
    case 'dns':
      if (value.length > 253 || !dnsName.test(value)) throw invalidSan(san, 'is not a DNS name (letters, digits, hyphens; a leading *. at most)');
      return tagged(0x82, Buffer.from(value, 'latin1'));
    case 'ip': {
      const octets = ipv4.test(value) ? Uint8Array.from(value.split('.').map(Number)) : ipv6Octets(value);
      if (octets === null) throw invalidSan(san, 'is not an IPv4 or IPv6 address');
      return tagged(0x87, octets);
    }
    case 'uri':
      if (!ia5.test(value) || !URL.canParse(value)) throw invalidSan(san, 'is not an absolute ASCII URI');
      return tagged(0x86, Buffer.from(value, 'latin1'));
    case 'email':
      if (!ia5.test(value) || !/^[^@]+@[^@]+$/.test(value)) throw invalidSan(san, 'is not an ASCII email address');
      return tagged(0x81, Buffer.from(value, 'latin1'));
    default:
      throw invalidSan(san, 'needs one of the prefixes dns:, ip:, uri: or email:');
  }
};

/** An IP address's octets in text: dotted IPv4, or IPv6 compressed as URLs write it; null for other lengths. */
const ipText = (octets: Uint8Array): string | null => {
  if (octets.length === 4) return octets.join('.');
  if (octets.length !== 16) return null;
  const groups = Array.from({ length: 8 }, (_, index) => ((octets[index * 2]! << 8) | octets[index * 2 + 1]!).toString(16));
  return new URL(`http://[${groups.join(':')}]/`).hostname.slice(1, -1);
};

/**
 * The GeneralNames of a DER SEQUENCE OF GeneralName (a subjectAltName's value) in the inventory's prefixed
 * form; null in place of a name of a type Trustplane does not issue; null for all when it is not one.
 */
export const readGeneralNames = (der: Uint8Array): (string | null)[] | null => {
  const outer = wholeElement(der);
  const names = outer === null || outer.tag !== 0x30 ? null : elementsOf(der, outer);
  if (names === null) return null;
  return names.map((name) => {
    const contents = der.subarray(name.start, name.end);
    const text = () => Buffer.from(contents).toString('latin1');
    switch (name.tag) {
      case 0x81: return `email:${text()}`;
      case 0x82: return `dns:${text()}`;
      case 0x86: return `uri:${text()}`;
      case 0x87: return ipText(contents) === null ? null : `ip:${ipText(contents)}`;
      default: return null;
    }
  });
};

/**
 * An attribute value in text (X.520 DirectoryString): UTF8String (valid UTF-8), PrintableString,
 * IA5String, TeletexString (as Latin-1) or BMPString (UTF-16, big-endian); null for any other type.
 */
const attributeText = (der: Uint8Array, value: DerElement): string | null => {
  const contents = Buffer.from(der.buffer, der.byteOffset + value.start, value.end - value.start);
  switch (value.tag) {
    case 0x0c: return isUtf8(contents) ? contents.toString('utf8') : null;
    case 0x13: case 0x16: case 0x14: return contents.toString('latin1');
    case 0x1e: return contents.length % 2 === 0 ? Buffer.from(contents).swap16().toString('utf16le') : null;
    default: return null;
  }
};

/**
 * The commonNames of a DER Name (SEQUENCE OF SET OF SEQUENCE { type OID, value }, RFC 5280 §4.1.2.4),
 * least specific first as the Name lists them; null when it is not such a Name.
 */
export const readCommonNames = (der: Uint8Array, name: DerElement): string[] | null => {
  const names: string[] = [];
  for (const rdn of elementsOf(der, name) ?? [undefined]) {
    if (rdn?.tag !== 0x31) return null;
    for (const pair of elementsOf(der, rdn) ?? [undefined]) {
      const [type, value, extra] = pair?.tag === 0x30 ? elementsOf(der, pair) ?? [] : [];
      if (type?.tag !== 0x06 || value === undefined || extra !== undefined || (value.tag & 0x20) !== 0) return null;
      if (dottedOid(der.subarray(type.start, type.end)) === '2.5.4.3') {
        const name = attributeText(der, value);
        if (name === null) return null;
        names.push(name);
      }
    }
  }
  return names;
};

/** Extension ::= SEQUENCE { extnID, critical BOOLEAN DEFAULT FALSE (left out when false, X.690 §11.5), extnValue OCTET STRING }. */
const extension = (oid: string, critical: boolean, value: Uint8Array): Uint8Array =>
  sequence(derOid(oid), ...(critical ? [derTrue] : []), derOctetString(value));

const uri = (url: string): Uint8Array => tagged(0x86, Buffer.from(url, 'latin1'));

// keyUsage bit numbers (RFC 5280 §4.2.1.3).
const keyUsageBitNumbers: Record<KeyUsageBit, number> = { digitalSignature: 0, keyEncipherment: 2, keyCertSign: 5, cRLSign: 6 };
export const keyUsageBitNumber = (bit: KeyUsageBit): number => keyUsageBitNumbers[bit];

/** `[0] EXPLICIT Version v3`: the version field of every certificate Trustplane issues. */
const versionV3 = Uint8Array.of(0xa0, 0x03, 0x02, 0x01, 0x02);

/** The extensions every certificate of one profile, subject key family and issuer shares, encoded: those before the subject's key identifier, the authority's, and those after the SANs. */
type SharedExtensions = { head: Uint8Array; authorityKeyIdentifier: Uint8Array; tail: Uint8Array };

const encodeSharedExtensions = (profile: CertificateProfile, family: SubjectKey['family'], issuerKey: Uint8Array, urls: CertificateUrls, pathLength: number | undefined): SharedExtensions => {
  const access = [
    ...(urls.ocsp === undefined ? [] : [sequence(derOid(id_ad_ocsp), uri(urls.ocsp))]),
    ...(urls.caIssuers === undefined ? [] : [sequence(derOid(id_ad_caIssuers), uri(urls.caIssuers))]),
  ];
  return {
    head: Buffer.concat([
      extension(id_ce_basicConstraints, true, profile.ca ? sequence(derTrue, ...(pathLength === undefined ? [] : [derSmallInteger(pathLength)])) : sequence()),
      extension(id_ce_keyUsage, true, derNamedBits(keyUsageFor(profile, { family }).map(keyUsageBitNumber))),
      ...(profile.extendedKeyUsage.length === 0 ? [] : [extension(id_ce_extKeyUsage, false, sequence(...profile.extendedKeyUsage.map(derOid)))]),
    ]),
    // AuthorityKeyIdentifier ::= SEQUENCE { keyIdentifier [0] IMPLICIT OCTET STRING }
    authorityKeyIdentifier: extension(id_ce_authorityKeyIdentifier, false, sequence(tagged(0x80, keyIdentifierOf(issuerKey)))),
    tail: Buffer.concat([
      // DistributionPoint { distributionPoint [0] { fullName [0] IMPLICIT GeneralNames } }
      ...(urls.crlDistributionPoint === undefined ? [] : [extension(id_ce_cRLDistributionPoints, false, sequence(sequence(tagged(0xa0, tagged(0xa0, uri(urls.crlDistributionPoint))))))]),
      ...(access.length === 0 ? [] : [extension(id_pe_authorityInfoAccess, false, sequence(...access))]),
      ...(profile.ocspNoCheck ? [extension(ocspNoCheckOid, false, derNull)] : []),
    ]),
  };
};

// A CA issues many certificates that share most extensions: they are encoded once per issuer key (the
// same bytes object for every certificate of a CA, so a WeakMap finds it without hashing it) and per
// profile, key family, path length and URLs, and copied into each certificate after that.
const sharedExtensionsCache = new WeakMap<Uint8Array, Map<string, SharedExtensions>>();
const maxSharedExtensionsPerIssuer = 64;

const sharedExtensions = (profileName: CertificateProfileName, family: SubjectKey['family'], issuerKey: Uint8Array, urls: CertificateUrls, pathLength: number | undefined): SharedExtensions => {
  let byTemplate = sharedExtensionsCache.get(issuerKey);
  if (byTemplate === undefined) {
    byTemplate = new Map();
    sharedExtensionsCache.set(issuerKey, byTemplate);
  }
  const key = JSON.stringify([profileName, family, pathLength ?? null, urls.crlDistributionPoint ?? null, urls.caIssuers ?? null, urls.ocsp ?? null]);
  let shared = byTemplate.get(key);
  if (shared === undefined) {
    shared = encodeSharedExtensions(certificateProfiles[profileName], family, issuerKey, urls, pathLength);
    if (byTemplate.size >= maxSharedExtensionsPerIssuer) byTemplate.clear();
    byTemplate.set(key, shared);
  }
  return shared;
};

/** DER TBSCertificate, v3, for `template`. Throws VALIDATION_FAILED on a SAN, key or issuer name it cannot encode. */
export const buildTbsCertificate = (template: CertificateTemplate): Uint8Array => {
  const profile = certificateProfiles[template.profile];
  const subjectKey = subjectKeyOf(template.subjectPublicKey);
  if (subjectKey === null || wholeElement(template.subjectPublicKey)?.tag !== 0x30) {
    throw new TrustplaneError('VALIDATION_FAILED', 'the subject public key is not a DER SubjectPublicKeyInfo');
  }
  const subject = subjectName(template.subject);
  const issuer = template.issuer === 'self' ? subject : issuerName(template.issuer.name);
  const issuerKey = template.issuer === 'self' ? template.subjectPublicKey : template.issuer.publicKey;
  const urls = profile.revocationPointers ? template.urls ?? {} : {};
  const shared = sharedExtensions(template.profile, subjectKey.family, issuerKey, urls, template.pathLength ?? profile.defaultPathLength);
  const extensions = [
    shared.head,
    extension(id_ce_subjectKeyIdentifier, false, derOctetString(keyIdentifierOf(template.subjectPublicKey))),
    shared.authorityKeyIdentifier,
    // §4.2.1.6: with an empty subject the SAN extension carries the identity and must be critical.
    ...(template.sans.length === 0 ? [] : [extension(id_ce_subjectAltName, template.subject.commonName === '' && template.subject.organization === undefined, sequence(...template.sans.map(generalNameOfSan)))]),
    shared.tail,
  ];

  return sequence(
    versionV3,
    derInteger(template.serial),
    algorithmIdentifierDer(template.signatureKeyAlgorithm),
    issuer,
    sequence(derCertificateTime(template.notBefore), derCertificateTime(template.notAfter)),
    subject,
    template.subjectPublicKey,
    tagged(0xa3, sequence(...extensions)),
  );
};

export type IssuingCertificate = { name: Uint8Array; publicKey: Uint8Array; notBefore: Date; notAfter: Date };

/**
 * What issuing under a CA certificate needs from it: its subject Name and SubjectPublicKeyInfo as their
 * exact DER bytes (the next certificate's issuer field must match them), and its validity for the lints.
 */
/**
 * The validity, subject and SubjectPublicKeyInfo elements of a DER certificate, found by walking it
 * (TBSCertificate: [0] version, serialNumber, signature, issuer, validity, subject, subjectPublicKeyInfo,
 * …, RFC 5280 §4.1); null when the walk does not find them.
 */
export const certificateFields = (der: Uint8Array): { validity: DerElement; subject: DerElement; spki: DerElement } | null => {
  const certificate = wholeElement(der);
  const [tbs] = certificate === null || certificate.tag !== 0x30 ? [] : elementsOf(der, certificate) ?? [];
  const fields = tbs === undefined || tbs.tag !== 0x30 ? null : elementsOf(der, tbs);
  if (fields === null) return null;
  const first = fields[0]?.tag === 0xa0 ? 1 : 0;
  const [validity, subject, spki] = [fields[first + 3], fields[first + 4], fields[first + 5]];
  return validity === undefined || subject === undefined || spki === undefined ? null : { validity, subject, spki };
};

export const issuerFromCertificate = (der: Uint8Array): IssuingCertificate => {
  const notCertificate = (why: string) => new TrustplaneError('VALIDATION_FAILED', `the issuing certificate ${why}`);
  const fields = certificateFields(der);
  if (fields === null) throw notCertificate('is not one DER certificate with a validity, subject and public key');
  const { validity, subject, spki } = fields;
  const [notBefore, notAfter] = (elementsOf(der, validity) ?? []).map((time) => readTime(der, time));
  if (notBefore === undefined || notBefore === null || notAfter === undefined || notAfter === null) throw notCertificate('has no readable validity');
  return { name: Uint8Array.from(encodingOf(der, subject)), publicKey: Uint8Array.from(encodingOf(der, spki)), notBefore, notAfter };
};
