// Lints run over the to-be-signed certificate before anything is signed. They re-read the DER rather
// than trust the template, so a bug in the builder (or a template nobody meant) is caught while it
// costs nothing: a signed certificate cannot be taken back. Each lint is a small named pure function;
// the list is data, and every lint reports, passed or not.
import { AsnConvert } from '@peculiar/asn1-schema';
import {
  AuthorityKeyIdentifier, BasicConstraints, ExtendedKeyUsage, KeyUsage, KeyUsageFlags, SubjectAlternativeName,
  SubjectKeyIdentifier, TBSCertificate, Version, anyExtendedKeyUsage, id_ce_authorityKeyIdentifier,
  id_ce_basicConstraints, id_ce_cRLDistributionPoints, id_ce_extKeyUsage, id_ce_keyUsage, id_ce_subjectAltName,
  id_ce_subjectKeyIdentifier, id_pe_authorityInfoAccess,
} from '@peculiar/asn1-x509';
import type { Extension, GeneralName } from '@peculiar/asn1-x509';
import { certificateProfiles, keyUsageFor, ocspNoCheckOid, subjectKeyOf } from './certificate-profile.ts';
import type { CertificateProfile, CertificateProfileName, SubjectKey } from './certificate-profile.ts';
import { keyIdentifierOf, sanOfGeneralName } from './certificate-template.ts';
import { sameAlgorithmIdentifier, signatureAlgorithmIdentifier } from './sign-certificate.ts';
import { caKeyAlgorithms } from './signer.ts';
import type { CaKeyAlgorithm } from './signer.ts';

export type LintIssuer = { publicKey: Uint8Array; notBefore: Date; notAfter: Date };
export type LintContext = { profile: CertificateProfileName; issuer: LintIssuer | 'self' };
export type LintResult = { name: string; passed: boolean; message: string };

/** What a lint looks at: the parsed TBS and what it was meant to be. */
type LintSubject = {
  tbs: TBSCertificate;
  profile: CertificateProfile;
  issuer: LintIssuer | 'self';
  subjectKey: Uint8Array;
  issuerKey: Uint8Array;
};

/** `checks` says what a pass means; `run` returns why it failed, or null. */
type Lint = { name: string; checks: string; run: (subject: LintSubject) => string | null };

const view = (bytes: ArrayBuffer | Uint8Array): Buffer => Buffer.from(bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes));
const bytesEqual = (a: ArrayBuffer | Uint8Array, b: ArrayBuffer | Uint8Array): boolean => view(a).equals(view(b));
const hex = (bytes: ArrayBuffer | Uint8Array): string => view(bytes).toString('hex');

const findExtension = ({ tbs }: LintSubject, oid: string): Extension | undefined => tbs.extensions?.find((e) => e.extnID === oid);

const decode = <T>(extension: Extension, type: new () => T): T => AsnConvert.parse(new Uint8Array(extension.extnValue.buffer), type);

const generalNamesOf = (subject: LintSubject): GeneralName[] => {
  const extension = findExtension(subject, id_ce_subjectAltName);
  return extension === undefined ? [] : [...decode(extension, SubjectAlternativeName)];
};

const commonNames = ({ tbs }: LintSubject): string[] =>
  tbs.subject.flatMap((rdn) => rdn.filter((attribute) => attribute.type === '2.5.4.3').map((attribute) => attribute.value.toString()));

const keyOf = (spki: Uint8Array): SubjectKey => subjectKeyOf(spki) ?? { keyAlgorithm: 'unreadable', keySize: 0, family: 'other' };

const isCaKeyAlgorithm = (name: string): name is CaKeyAlgorithm => (caKeyAlgorithms as readonly string[]).includes(name);

const keyUsageBits = (value: number): string =>
  (Object.keys(KeyUsageFlags) as (keyof typeof KeyUsageFlags)[])
    .filter((name) => Number.isNaN(Number(name)) && (value & KeyUsageFlags[name]) !== 0).join(', ') || 'none';

const lints: readonly Lint[] = [
  {
    name: 'serial-positive',
    checks: 'the serial number is a positive INTEGER (RFC 5280 §4.1.2.2)',
    run: ({ tbs }) => {
      const contents = new Uint8Array(tbs.serialNumber);
      if ((contents[0] ?? 0) >= 0x80) return 'the serial number is negative';
      return contents.some((byte) => byte !== 0) ? null : 'the serial number is zero';
    },
  },
  {
    name: 'serial-entropy-64-bits',
    checks: 'the serial number has at least 8 octets, room for 64 random bits (BR §7.1), and at most 20 (RFC 5280 §4.1.2.2)',
    run: ({ tbs }) => {
      const contents = new Uint8Array(tbs.serialNumber);
      if (contents.length > 20) return `the serial number is ${contents.length} octets; RFC 5280 allows at most 20`;
      const first = contents.findIndex((byte) => byte !== 0);
      const significant = first < 0 ? 0 : contents.length - first;
      return significant >= 8 ? null : `the serial number has ${significant} significant octets; 64 random bits need at least 8`;
    },
  },
  {
    name: 'validity-ordered',
    checks: 'notBefore is before notAfter',
    run: ({ tbs }) => {
      const notBefore = tbs.validity.notBefore.getTime();
      const notAfter = tbs.validity.notAfter.getTime();
      return notBefore < notAfter ? null : `notAfter ${notAfter.toISOString()} is not after notBefore ${notBefore.toISOString()}`;
    },
  },
  {
    name: 'validity-inside-issuer',
    checks: "the validity lies inside the issuer's (a self-signed certificate has no issuer to stay inside)",
    run: ({ tbs, issuer }) => {
      if (issuer === 'self') return null;
      const notBefore = tbs.validity.notBefore.getTime();
      const notAfter = tbs.validity.notAfter.getTime();
      if (notBefore < issuer.notBefore) return `notBefore ${notBefore.toISOString()} is before the issuer's notBefore ${issuer.notBefore.toISOString()}`;
      if (notAfter > issuer.notAfter) return `notAfter ${notAfter.toISOString()} is after the issuer's notAfter ${issuer.notAfter.toISOString()}`;
      return null;
    },
  },
  {
    name: 'san-present',
    checks: 'a profile that names its subject carries a non-empty subjectAltName (RFC 6125 §6.4.4)',
    run: (subject) => !subject.profile.sansRequired || generalNamesOf(subject).length > 0 ? null : 'the certificate has no subjectAltName; TLS clients match only SANs',
  },
  {
    name: 'san-matches-subject-cn',
    checks: 'the subject commonName, if any, is one of the subjectAltNames (CA/Browser Forum BR §7.1.4.3)',
    run: (subject) => {
      if (!subject.profile.sansRequired) return null;
      const sans = new Set(generalNamesOf(subject).flatMap((name) => sanOfGeneralName(name)?.toLowerCase() ?? []));
      const missing = commonNames(subject).filter((cn) => !sans.has(`dns:${cn.toLowerCase()}`) && !sans.has(`ip:${cn.toLowerCase()}`));
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
      const expected = keyUsageFor(subject.profile, keyOf(subject.subjectKey)).reduce((flags, bit) => flags | KeyUsageFlags[bit], 0);
      if (bytesEqual(extension.extnValue.buffer, AsnConvert.serialize(new KeyUsage(expected)))) return null;
      return `keyUsage is ${keyUsageBits(decode(extension, KeyUsage).toNumber())}; the profile asks for ${keyUsageBits(expected)}`;
    },
  },
  {
    name: 'extended-key-usage-matches-profile',
    checks: 'extendedKeyUsage holds exactly the purposes of the profile, and is absent on CAs (RFC 5280 §4.2.1.12)',
    run: (subject) => {
      const extension = findExtension(subject, id_ce_extKeyUsage);
      const expected = [...subject.profile.extendedKeyUsage].sort();
      const actual = extension === undefined ? [] : [...decode(extension, ExtendedKeyUsage)].sort();
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
      return bytesEqual(extension.extnValue.buffer, Uint8Array.of(0x05, 0x00)) ? null : 'id-pkix-ocsp-nocheck must hold NULL';
    },
  },
  {
    name: 'subject-key-identifier-present',
    checks: 'subjectKeyIdentifier is present, non-critical, and the SHA-1 of the subject key (RFC 5280 §4.2.1.2)',
    run: (subject) => {
      const extension = findExtension(subject, id_ce_subjectKeyIdentifier);
      if (extension === undefined) return 'the certificate has no subjectKeyIdentifier';
      if (extension.critical) return 'subjectKeyIdentifier must not be critical';
      const actual = decode(extension, SubjectKeyIdentifier).buffer;
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
      const actual = decode(extension, AuthorityKeyIdentifier).keyIdentifier?.buffer;
      const expected = keyIdentifierOf(subject.issuerKey);
      if (actual === undefined) return 'authorityKeyIdentifier has no keyIdentifier';
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
      const constraints = decode(extension, BasicConstraints);
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
      return decode(extension, BasicConstraints).cA ? null : 'the CA certificate says cA false';
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
    run: ({ tbs, issuerKey }) => {
      const { keyAlgorithm } = keyOf(issuerKey);
      if (!isCaKeyAlgorithm(keyAlgorithm)) return `the issuer key is ${keyAlgorithm}, not a key algorithm Trustplane signs with`;
      const expected = signatureAlgorithmIdentifier(keyAlgorithm);
      if (sameAlgorithmIdentifier(expected, tbs.signature)) return null;
      return tbs.signature.algorithm === expected.algorithm
        ? `the signature field names ${expected.algorithm} with other parameters than a ${keyAlgorithm} issuer uses (RSA carries NULL, RFC 4055 §5)`
        : `the signature field names ${tbs.signature.algorithm} but a ${keyAlgorithm} issuer signs with ${expected.algorithm}`;
    },
  },
  {
    name: 'subject-key-not-weak',
    checks: 'the subject key is RSA of 2048 bits or more, ECDSA on P-256 or P-384, or Ed25519',
    run: ({ subjectKey }) => {
      const key = keyOf(subjectKey);
      if (key.family === 'rsa') return key.keySize >= 2048 ? null : `the subject key is ${key.keyAlgorithm}; RSA keys need at least 2048 bits`;
      return ['ECDSA-P256', 'ECDSA-P384', 'Ed25519'].includes(key.keyAlgorithm) ? null : `the subject key is ${key.keyAlgorithm}, which Trustplane does not certify`;
    },
  },
  {
    name: 'no-duplicate-extensions',
    checks: 'no extension appears twice (RFC 5280 §4.2)',
    run: ({ tbs }) => {
      const seen = new Set<string>();
      const twice = (tbs.extensions ?? []).map((e) => e.extnID).filter((oid) => seen.has(oid) || !seen.add(oid));
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

/** The parsed TBS, or why it is not exactly one DER v3 TBSCertificate. */
const parseTbs = (der: Uint8Array): TBSCertificate | string => {
  try {
    const tbs = AsnConvert.parse(der, TBSCertificate);
    if (!bytesEqual(AsnConvert.serialize(tbs), der)) return 'the TBSCertificate is not DER: it does not re-encode to its own bytes';
    return tbs.version === Version.v3 ? tbs : 'the TBSCertificate is not version 3';
  } catch (error) {
    return `the bytes are not a TBSCertificate: ${(error as Error).message}`;
  }
};

/** Every lint's result over the DER TBSCertificate `der`, in the order of `lintNames`. */
export const lintTbsCertificate = (der: Uint8Array, context: LintContext): LintResult[] => {
  const tbs = parseTbs(der);
  if (typeof tbs === 'string') {
    return [
      { name: 'tbs-well-formed', passed: false, message: tbs },
      ...lints.map((lint) => ({ name: lint.name, passed: false, message: 'not run: the TBSCertificate does not parse' })),
    ];
  }
  const subjectKey = new Uint8Array(AsnConvert.serialize(tbs.subjectPublicKeyInfo));
  const subject: LintSubject = {
    tbs,
    profile: certificateProfiles[context.profile],
    issuer: context.issuer,
    subjectKey,
    issuerKey: context.issuer === 'self' ? subjectKey : context.issuer.publicKey,
  };
  return [
    { name: 'tbs-well-formed', passed: true, message: 'the TBSCertificate is DER, version 3' },
    ...lints.map((lint) => runLint(lint, subject)),
  ];
};

export const failedLints = (results: readonly LintResult[]): LintResult[] => results.filter((result) => !result.passed);
