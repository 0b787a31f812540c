// Lints run over the to-be-signed certificate before anything is signed. They re-read the DER (with
// der.ts's strict reader: definite minimal lengths, DER booleans, integers and bit strings) rather than
// trust the template, so a bug in the builder (or a template nobody meant) is caught while it
// costs nothing: a signed certificate cannot be taken back. Each lint is a small named pure function;
// the list is data, and every lint reports, passed or not.
import {
  anyExtendedKeyUsage, id_ce_authorityKeyIdentifier, id_ce_basicConstraints, id_ce_cRLDistributionPoints, id_ce_extKeyUsage,
  id_ce_keyUsage, id_ce_subjectAltName, id_ce_subjectKeyIdentifier, id_pe_authorityInfoAccess,
} from '@peculiar/asn1-x509';
import { certificateProfiles, keyUsageFor, ocspNoCheckOid, subjectKeyOf } from './certificate-profile.ts';
import type { CertificateProfile, CertificateProfileName, KeyUsageBit, SubjectKey } from './certificate-profile.ts';
import { keyIdentifierOf, keyUsageBitNumber, readCommonNames, readGeneralNames, serialPrefixOctets, serialRandomOctets } from './certificate-template.ts';
import {
  contentsOf, dottedOid, elementsOf, encodingOf, isMinimalInteger, notDerOid, readBoolean, readNamedBits, readSmallInteger, readTime, wholeElement,
} from './der.ts';
import type { DerElement } from './der.ts';
import { algorithmIdentifierDer } from './sign-certificate.ts';
import { caKeyAlgorithms } from './signer.ts';
import type { CaKeyAlgorithm } from './signer.ts';

export type LintIssuer = { publicKey: Uint8Array; notBefore: Date; notAfter: Date };
export type LintContext = { profile: CertificateProfileName; issuer: LintIssuer | 'self' };
export type LintResult = { name: string; passed: boolean; message: string };

/** One extension of the TBS: its OID, criticality and the contents of its extnValue OCTET STRING. */
type TbsExtension = { oid: string; critical: boolean; value: Uint8Array };

/** What the lints read of a DER TBSCertificate (RFC 5280 §4.1), as found by der.ts's reader. */
type TbsView = {
  serial: Uint8Array;
  /** The `signature` AlgorithmIdentifier, whole element. */
  signature: Uint8Array;
  notBefore: Date;
  notAfter: Date;
  subjectCommonNames: string[];
  subjectPublicKeyInfo: Uint8Array;
  extensions: TbsExtension[];
};

/** What a lint looks at: the TBS as read and what it was meant to be. */
type LintSubject = {
  tbs: TbsView;
  profile: CertificateProfile;
  issuer: LintIssuer | 'self';
  subjectKey: Uint8Array;
  issuerKey: Uint8Array;
  /** The keys as policy names them, read once for every lint that asks. */
  subjectKeyFacts: SubjectKey;
  issuerKeyFacts: SubjectKey;
  /** The subjectAltNames, once a lint has read them (sansOf). */
  sans?: string[];
};

/** `checks` says what a pass means; `run` returns why it failed, or null. */
type Lint = { name: string; checks: string; run: (subject: LintSubject) => string | null };

const bytesEqual = (a: Uint8Array, b: Uint8Array): boolean => Buffer.from(a.buffer, a.byteOffset, a.length).equals(b);
const hex = (bytes: Uint8Array): string => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('hex');

const findExtension = ({ tbs }: LintSubject, oid: string): TbsExtension | undefined => tbs.extensions.find((e) => e.oid === oid);

/** The elements inside an extension's value, which must be one SEQUENCE; throws, so the lint reports it unreadable. */
const sequenceIn = (extension: TbsExtension): { der: Uint8Array; fields: DerElement[] } => {
  const outer = wholeElement(extension.value);
  const fields = outer === null || outer.tag !== 0x30 ? null : elementsOf(extension.value, outer);
  if (fields === null) throw new Error(`extension ${extension.oid} does not hold one DER SEQUENCE`);
  return { der: extension.value, fields };
};

/** The subjectAltNames in the inventory's prefixed form (RFC 5280 §4.2.1.6); a type Trustplane does not issue counts as `other`. */
const readSans = (subject: LintSubject): string[] => {
  const extension = findExtension(subject, id_ce_subjectAltName);
  if (extension === undefined) return [];
  const names = readGeneralNames(extension.value);
  if (names === null) throw new Error('subjectAltName does not hold one DER SEQUENCE OF GeneralName');
  return names.map((name) => name ?? 'other:');
};

const sansOf = (subject: LintSubject): string[] => (subject.sans ??= readSans(subject));

/** A SAN or common name as the lints compare them: DNS names without case, IPv6 addresses in one form. */
const comparable = (name: string): string => {
  // ASCII case only (DNS names compare so): full Unicode folding would let a Kelvin sign stand for a "k".
  const lower = name.replace(/[A-Z]/g, (letter) => letter.toLowerCase());
  if (!lower.includes(':') || !URL.canParse(`http://[${lower}]/`)) return lower;
  return new URL(`http://[${lower}]/`).hostname.slice(1, -1);
};

const keyOf = (spki: Uint8Array): SubjectKey => subjectKeyOf(spki) ?? { keyAlgorithm: 'unreadable', keySize: 0, family: 'other' };

const isCaKeyAlgorithm = (name: string): name is CaKeyAlgorithm => (caKeyAlgorithms as readonly string[]).includes(name);

const keyUsageNames: readonly KeyUsageBit[] = ['digitalSignature', 'keyEncipherment', 'keyCertSign', 'cRLSign'];
const keyUsageText = (bits: readonly number[]): string =>
  bits.map((bit) => keyUsageNames.find((name) => keyUsageBitNumber(name) === bit) ?? `bit ${bit}`).join(', ') || 'none';

/** The OID inside an AlgorithmIdentifier's encoding, for messages. */
const algorithmOid = (algorithmIdentifier: Uint8Array): string => {
  const outer = wholeElement(algorithmIdentifier);
  const [oid] = outer === null ? [] : elementsOf(algorithmIdentifier, outer) ?? [];
  return oid?.tag === 0x06 ? dottedOid(contentsOf(algorithmIdentifier, oid)) : 'an unreadable algorithm';
};

const lints: readonly Lint[] = [
  {
    name: 'serial-positive',
    checks: 'the serial number is a positive INTEGER (RFC 5280 §4.1.2.2)',
    run: ({ tbs }) => {
      const contents = tbs.serial;
      if ((contents[0] ?? 0) >= 0x80) return 'the serial number is negative';
      return contents.some((byte) => byte !== 0) ? null : 'the serial number is zero';
    },
  },
  {
    name: 'serial-entropy-64-bits',
    checks: 'the serial number is laid out as Trustplane makes it (serialInIssueOrder: 0x40, the issue time, then 72 random bits, '
      + 'above the 64 of BR §7.1), at most 20 octets (RFC 5280 §4.1.2.2), and its random part is not all zero',
    run: ({ tbs }) => {
      const contents = tbs.serial;
      const octets = serialPrefixOctets + serialRandomOctets;
      if (contents.length > 20) return `the serial number is ${contents.length} octets; RFC 5280 allows at most 20`;
      if (contents.length !== octets || contents[0] !== 0x40) {
        return `the serial number is ${contents.length} octets${contents.length === 0 ? '' : ` beginning 0x${(contents[0] ?? 0).toString(16).padStart(2, '0')}`}; `
          + `Trustplane's are ${octets}, beginning 0x40, with ${serialRandomOctets * 8} random bits after the issue time`;
      }
      return contents.subarray(serialPrefixOctets).some((byte) => byte !== 0) ? null : `the serial number's ${serialRandomOctets * 8} random bits are all zero`;
    },
  },
  {
    name: 'validity-ordered',
    checks: 'notBefore is before notAfter',
    run: ({ tbs }) => {
      const { notBefore, notAfter } = tbs;
      return notBefore < notAfter ? null : `notAfter ${notAfter.toISOString()} is not after notBefore ${notBefore.toISOString()}`;
    },
  },
  {
    name: 'validity-inside-issuer',
    checks: "the validity lies inside the issuer's (a self-signed certificate has no issuer to stay inside)",
    run: ({ tbs, issuer }) => {
      if (issuer === 'self') return null;
      const { notBefore, notAfter } = tbs;
      if (notBefore < issuer.notBefore) return `notBefore ${notBefore.toISOString()} is before the issuer's notBefore ${issuer.notBefore.toISOString()}`;
      if (notAfter > issuer.notAfter) return `notAfter ${notAfter.toISOString()} is after the issuer's notAfter ${issuer.notAfter.toISOString()}`;
      return null;
    },
  },
  {
    name: 'san-present',
    checks: 'a profile that names its subject carries a non-empty subjectAltName (RFC 6125 §6.4.4)',
    run: (subject) => !subject.profile.sansRequired || sansOf(subject).length > 0 ? null : 'the certificate has no subjectAltName; TLS clients match only SANs',
  },
  {
    name: 'san-matches-subject-cn',
    checks: 'the subject commonName, if any, is one of the subjectAltNames (CA/Browser Forum BR §7.1.4.3)',
    run: (subject) => {
      if (!subject.profile.sansRequired) return null;
      const sans = new Set(sansOf(subject).map((san) => comparable(san.slice(san.indexOf(':') + 1))));
      const missing = subject.tbs.subjectCommonNames.filter((cn) => !sans.has(comparable(cn)));
      return missing.length === 0 ? null : `the commonName "${missing[0]!.slice(0, 80)}" is not among the subjectAltNames`;
    },
  },
  {
    name: 'key-usage-matches-profile',
    checks: 'keyUsage is critical and carries exactly the bits of the profile (RFC 5280 §4.2.1.3)',
    run: (subject) => {
      const extension = findExtension(subject, id_ce_keyUsage);
      if (extension === undefined) return 'the certificate has no keyUsage';
      if (!extension.critical) return 'keyUsage is not critical';
      const expected = keyUsageFor(subject.profile, subject.subjectKeyFacts).map(keyUsageBitNumber).sort((a, b) => a - b);
      const element = wholeElement(extension.value);
      const actual = element === null ? null : readNamedBits(extension.value, element);
      if (actual === null) return 'keyUsage is not one DER BIT STRING';
      return actual.join() === expected.join() ? null : `keyUsage is ${keyUsageText(actual)}; the profile asks for ${keyUsageText(expected)}`;
    },
  },
  {
    name: 'extended-key-usage-matches-profile',
    checks: 'extendedKeyUsage holds exactly the purposes of the profile, and is absent on CAs (RFC 5280 §4.2.1.12)',
    run: (subject) => {
      const extension = findExtension(subject, id_ce_extKeyUsage);
      const expected = [...subject.profile.extendedKeyUsage].sort();
      const purposes = extension === undefined ? null : sequenceIn(extension);
      if (purposes !== null && purposes.fields.some((field) => field.tag !== 0x06)) return 'extendedKeyUsage holds something other than OIDs';
      const actual = purposes === null ? [] : purposes.fields.map((field) => dottedOid(contentsOf(purposes.der, field))).sort();
      if (actual.includes(anyExtendedKeyUsage)) return 'extendedKeyUsage includes anyExtendedKeyUsage';
      return actual.join() === expected.join() ? null : `extendedKeyUsage is [${actual.join(', ')}]; the profile asks for [${expected.join(', ')}]`;
    },
  },
  {
    name: 'ocsp-no-check-matches-profile',
    checks: 'id-pkix-ocsp-nocheck is present, as NULL, on OCSP responder certificates only (RFC 6960 §4.2.2.2.1)',
    run: (subject) => {
      const extension = findExtension(subject, ocspNoCheckOid);
      if (!subject.profile.ocspNoCheck) return extension === undefined ? null : 'id-pkix-ocsp-nocheck is only for OCSP responder certificates';
      if (extension === undefined) return 'an OCSP responder certificate needs id-pkix-ocsp-nocheck';
      return bytesEqual(extension.value, Uint8Array.of(0x05, 0x00)) ? null : 'id-pkix-ocsp-nocheck must hold NULL';
    },
  },
  {
    name: 'subject-key-identifier-present',
    checks: 'subjectKeyIdentifier is present, non-critical, and the SHA-1 of the subject key (RFC 5280 §4.2.1.2)',
    run: (subject) => {
      const extension = findExtension(subject, id_ce_subjectKeyIdentifier);
      if (extension === undefined) return 'the certificate has no subjectKeyIdentifier';
      if (extension.critical) return 'subjectKeyIdentifier must not be critical';
      const element = wholeElement(extension.value);
      if (element === null || element.tag !== 0x04) return 'subjectKeyIdentifier is not one OCTET STRING';
      const actual = contentsOf(extension.value, element);
      const expected = keyIdentifierOf(subject.subjectKey);
      return bytesEqual(actual, expected) ? null : `subjectKeyIdentifier is ${hex(actual)} but the subject key's is ${hex(expected)}`;
    },
  },
  {
    name: 'authority-key-identifier-matches-issuer',
    checks: "authorityKeyIdentifier is the issuer key's identifier (RFC 5280 §4.2.1.1)",
    run: (subject) => {
      const extension = findExtension(subject, id_ce_authorityKeyIdentifier);
      if (extension === undefined) return 'the certificate has no authorityKeyIdentifier';
      if (extension.critical) return 'authorityKeyIdentifier must not be critical';
      // AuthorityKeyIdentifier ::= SEQUENCE { keyIdentifier [0] IMPLICIT OCTET STRING OPTIONAL, … }
      const { der, fields } = sequenceIn(extension);
      const keyIdentifier = fields.find((field) => field.tag === 0x80);
      const expected = keyIdentifierOf(subject.issuerKey);
      if (keyIdentifier === undefined) return 'authorityKeyIdentifier has no keyIdentifier';
      const actual = contentsOf(der, keyIdentifier);
      return bytesEqual(actual, expected) ? null : `authorityKeyIdentifier is ${hex(actual)} but the issuer key's is ${hex(expected)}`;
    },
  },
  {
    name: 'basic-constraints-leaf',
    checks: 'a leaf carries basicConstraints with cA false and no pathLenConstraint',
    run: (subject) => {
      if (subject.profile.ca) return null;
      const extension = findExtension(subject, id_ce_basicConstraints);
      if (extension === undefined) return 'the leaf has no basicConstraints';
      const constraints = basicConstraintsOf(extension);
      if (constraints.cA) return 'the leaf says cA true: it could issue certificates';
      return constraints.pathLenConstraint === undefined ? null : 'a leaf must not carry a pathLenConstraint (RFC 5280 §4.2.1.9)';
    },
  },
  {
    name: 'basic-constraints-ca',
    checks: 'a CA carries critical basicConstraints with cA true (RFC 5280 §4.2.1.9)',
    run: (subject) => {
      if (!subject.profile.ca) return null;
      const extension = findExtension(subject, id_ce_basicConstraints);
      if (extension === undefined) return 'the CA certificate has no basicConstraints';
      if (!extension.critical) return 'basicConstraints must be critical on a CA certificate';
      return basicConstraintsOf(extension).cA ? null : 'the CA certificate says cA false';
    },
  },
  {
    name: 'revocation-pointers-match-profile',
    checks: 'a root carries no CRL Distribution Points or Authority Information Access: nothing above it revokes it',
    run: (subject) => {
      if (subject.profile.revocationPointers) return null;
      const found = [id_ce_cRLDistributionPoints, id_pe_authorityInfoAccess].filter((oid) => findExtension(subject, oid) !== undefined);
      return found.length === 0 ? null : `a root must not carry ${found.join(', ')}`;
    },
  },
  {
    name: 'signature-algorithm-matches-issuer-key',
    checks: "the signature field names the algorithm the issuer's key signs with",
    run: ({ tbs, issuerKeyFacts }) => {
      const { keyAlgorithm } = issuerKeyFacts;
      if (!isCaKeyAlgorithm(keyAlgorithm)) return `the issuer key is ${keyAlgorithm}, not a key algorithm Trustplane signs with`;
      const expected = algorithmIdentifierDer(keyAlgorithm);
      if (bytesEqual(expected, tbs.signature)) return null;
      const [named, wanted] = [algorithmOid(tbs.signature), algorithmOid(expected)];
      return named === wanted
        ? `the signature field names ${wanted} with other parameters than a ${keyAlgorithm} issuer uses (RSA carries NULL, RFC 4055 §5)`
        : `the signature field names ${named} but a ${keyAlgorithm} issuer signs with ${wanted}`;
    },
  },
  {
    name: 'subject-key-not-weak',
    checks: 'the subject key is RSA of 2048 bits or more, ECDSA on P-256 or P-384, or Ed25519',
    run: ({ subjectKeyFacts: key }) => {
      if (key.family === 'rsa') return key.keySize >= 2048 ? null : `the subject key is ${key.keyAlgorithm}; RSA keys need at least 2048 bits`;
      return ['ECDSA-P256', 'ECDSA-P384', 'Ed25519'].includes(key.keyAlgorithm) ? null : `the subject key is ${key.keyAlgorithm}, which Trustplane does not certify`;
    },
  },
  {
    name: 'no-duplicate-extensions',
    checks: 'no extension appears twice (RFC 5280 §4.2)',
    run: ({ tbs }) => {
      const seen = new Set<string>();
      const twice = tbs.extensions.map((e) => e.oid).filter((oid) => seen.has(oid) || !seen.add(oid));
      return twice.length === 0 ? null : `extension ${twice[0]} appears more than once`;
    },
  },
];

export const lintNames: readonly string[] = ['tbs-well-formed', ...lints.map((lint) => lint.name)];

const runLint = (lint: Lint, subject: LintSubject): LintResult => {
  try {
    const problem = lint.run(subject);
    return { name: lint.name, passed: problem === null, message: problem ?? lint.checks };
  } catch (error) {
    return { name: lint.name, passed: false, message: `could not read what ${lint.name} checks: ${(error as Error).message}` };
  }
};

/** BasicConstraints ::= SEQUENCE { cA BOOLEAN DEFAULT FALSE, pathLenConstraint INTEGER OPTIONAL } (§4.2.1.9), as DER writes it. */
const basicConstraintsOf = (extension: TbsExtension): { cA: boolean; pathLenConstraint: number | undefined } => {
  const { der, fields } = sequenceIn(extension);
  let [cA, pathLenConstraint, at] = [false, undefined as number | undefined, 0];
  if (fields[at]?.tag === 0x01) {
    // DER leaves a DEFAULT value out (X.690 §11.5): an explicit FALSE is not DER.
    if (readBoolean(der, fields[at]!) !== true) throw new Error('basicConstraints carries cA FALSE explicitly, which DER leaves out');
    [cA, at] = [true, at + 1];
  }
  if (fields[at]?.tag === 0x02) {
    pathLenConstraint = readSmallInteger(der, fields[at]!) ?? undefined;
    if (pathLenConstraint === undefined) throw new Error('basicConstraints has a pathLenConstraint that is not a small non-negative INTEGER');
    at += 1;
  }
  if (at !== fields.length) throw new Error('basicConstraints holds more than cA and pathLenConstraint');
  return { cA, pathLenConstraint };
};

/** The extensions of `[3] EXPLICIT Extensions`; why not, when they are not DER. */
const extensionsOf = (der: Uint8Array, wrapper: DerElement): TbsExtension[] | string => {
  const [list, extra] = elementsOf(der, wrapper) ?? [];
  const entries = list?.tag === 0x30 && extra === undefined ? elementsOf(der, list) : null;
  if (entries === null || entries.length === 0) return 'the extensions are not one non-empty SEQUENCE';
  const extensions: TbsExtension[] = [];
  for (const entry of entries) {
    const [oid, second, third, fourth] = entry.tag === 0x30 ? elementsOf(der, entry) ?? [] : [];
    const value = third ?? second;
    if (oid?.tag !== 0x06 || value?.tag !== 0x04 || fourth !== undefined) return 'an extension is not SEQUENCE { OID, BOOLEAN, OCTET STRING }';
    const dotted = dottedOid(contentsOf(der, oid));
    if (dotted === notDerOid) return 'an extension\'s OID is not DER (a padded or unfinished arc)';
    if (third !== undefined && readBoolean(der, second!) !== true) return `extension ${dotted} marks critical FALSE explicitly, which DER leaves out`;
    extensions.push({ oid: dotted, critical: third !== undefined, value: contentsOf(der, value) });
  }
  return extensions;
};

/** The TBS as the lints read it, or why it is not exactly one DER v3 TBSCertificate. */
const readTbs = (der: Uint8Array): TbsView | string => {
  const tbs = wholeElement(der);
  const fields = tbs === null || tbs.tag !== 0x30 ? null : elementsOf(der, tbs);
  if (fields === null) return 'the bytes are not one DER SEQUENCE';
  // SEQUENCE { [0] version, serialNumber, signature, issuer, validity, subject, subjectPublicKeyInfo, [1], [2], [3] extensions }
  const [version, serial, signature, issuer, validity, subject, spki, ...rest] = fields;
  const versionNumber = version?.tag === 0xa0 ? (elementsOf(der, version) ?? []).map((element) => readSmallInteger(der, element)) : [];
  if (versionNumber.length !== 1 || versionNumber[0] !== 2) return 'the TBSCertificate is not version 3';
  if (serial?.tag !== 0x02 || !isMinimalInteger(contentsOf(der, serial))) return 'the serial number is not a DER INTEGER';
  if (signature?.tag !== 0x30) return 'the signature field is not an AlgorithmIdentifier';
  if (issuer?.tag !== 0x30 || readCommonNames(der, issuer) === null) return 'the issuer is not a DER Name';
  const times = validity?.tag === 0x30 ? (elementsOf(der, validity) ?? []).map((time) => readTime(der, time)) : [];
  const [notBefore, notAfter] = times;
  if (times.length !== 2 || notBefore === null || notBefore === undefined || notAfter === null || notAfter === undefined) return 'the validity is not two times as RFC 5280 §4.1.2.5 writes them';
  const subjectCommonNames = subject?.tag === 0x30 ? readCommonNames(der, subject) : null;
  if (subjectCommonNames === null) return 'the subject is not a DER Name';
  if (spki?.tag !== 0x30) return 'the subjectPublicKeyInfo is not a SEQUENCE';
  const wrapper = rest.at(-1);
  if (rest.length !== 1 || wrapper?.tag !== 0xa3) return 'the TBSCertificate does not end with its extensions (and nothing else)';
  const extensions = extensionsOf(der, wrapper);
  if (typeof extensions === 'string') return extensions;
  return {
    serial: contentsOf(der, serial), signature: encodingOf(der, signature), notBefore, notAfter, subjectCommonNames,
    subjectPublicKeyInfo: encodingOf(der, spki), extensions,
  };
};

/** Every lint's result over the DER TBSCertificate `der`, in the order of `lintNames`. */
export const lintTbsCertificate = (der: Uint8Array, context: LintContext): LintResult[] => {
  const tbs = readTbs(der);
  if (typeof tbs === 'string') {
    return [
      { name: 'tbs-well-formed', passed: false, message: tbs },
      ...lints.map((lint) => ({ name: lint.name, passed: false, message: 'not run: the TBSCertificate does not parse' })),
    ];
  }
  const subjectKey = tbs.subjectPublicKeyInfo;
  const issuerKey = context.issuer === 'self' ? subjectKey : context.issuer.publicKey;
  const subjectKeyFacts = keyOf(subjectKey);
  const subject: LintSubject = {
    tbs,
    profile: certificateProfiles[context.profile],
    issuer: context.issuer,
    subjectKey,
    issuerKey,
    subjectKeyFacts,
    issuerKeyFacts: context.issuer === 'self' ? subjectKeyFacts : keyOf(issuerKey),
  };
  return [
    { name: 'tbs-well-formed', passed: true, message: 'the TBSCertificate is DER, version 3' },
    ...lints.map((lint) => runLint(lint, subject)),
  ];
};

export const failedLints = (results: readonly LintResult[]): LintResult[] => results.filter((result) => !result.passed);
