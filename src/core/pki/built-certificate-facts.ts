// The inventory's facts of a certificate Trustplane has just built and signed, taken from what it was
// built from instead of read back from its DER: reading it back with node:crypto's X509Certificate cost
// about a third of issuing it (docs/benchmarks.md). The facts must equal what the inventory's reader
// (inventory/certificate-facts.ts) gives for the same bytes; built-certificate-facts.test.ts holds them
// to it for every profile and key algorithm. Where the reader's rendering is not plain to reproduce (a
// name OpenSSL would escape or node would quote, a SAN other than a DNS name) this gives null, and the
// caller reads the certificate back.
import type { CredentialFacts } from '../inventory/credential-facts.ts';
import { sha256Hex } from '../inventory/fingerprint.ts';
import { describeSubjectPublicKeyInfo } from '../inventory/public-key-facts.ts';
import { normaliseSerialNumber } from '../inventory/serial-number.ts';
import { certificateProfiles } from './certificate-profile.ts';
import type { CertificateProfileName } from './certificate-profile.ts';
import type { CertificateSubject } from './certificate-template.ts';
import { signatureAlgorithmOf } from './signer.ts';
import type { CaKeyAlgorithm } from './signer.ts';

export type BuiltCertificate = {
  profile: CertificateProfileName;
  serial: Uint8Array;
  subject: CertificateSubject;
  /** Prefixed as the template takes them: dns:, ip:, uri:, email:. */
  sans: readonly string[];
  notBefore: Date;
  notAfter: Date;
  subjectPublicKey: Uint8Array;
  signatureKeyAlgorithm: CaKeyAlgorithm;
  /** The issuer's subject as the inventory's reader gives it for the issuing certificate ("CN=…, O=…"). */
  issuerSubject: string;
};

// Values that RFC 4514 §2.4 (OpenSSL's ESC_2253) leaves unescaped and node never quotes: letters, digits
// and . * _ @ -, with single inner spaces. Anything else goes to the reader.
const plainValue = /^[\w.*@-]+(?: [\w.*@-]+)*$/;
const plainDnsName = /^[\w.*-]+$/;

/** A certificate time as its DER carries it: whole seconds (RFC 5280 §4.1.2.5). */
const wholeSeconds = (date: Date): Date => new Date(Math.floor(date.getTime() / 1000) * 1000);

/** OpenSSL's name of the signature algorithm, as the reader gives it (RFC 8410's spelling for EdDSA). */
const signatureAlgorithmName = (keyAlgorithm: CaKeyAlgorithm): string =>
  keyAlgorithm === 'Ed25519' ? 'Ed25519' : signatureAlgorithmOf(keyAlgorithm).name;

/** The facts of `der`, built from `built`; null when the reader must read them (see above). */
export const builtCertificateFacts = (built: BuiltCertificate, der: Uint8Array): CredentialFacts | null => {
  const { commonName, organization } = built.subject;
  if ((commonName !== '' && !plainValue.test(commonName)) || (organization !== undefined && !plainValue.test(organization))) return null;
  if (!built.sans.every((san) => san.startsWith('dns:') && plainDnsName.test(san.slice('dns:'.length)))) return null;
  const key = describeSubjectPublicKeyInfo(built.subjectPublicKey);
  const serial = normaliseSerialNumber(Buffer.from(built.serial).toString('hex'));
  if (key === null || serial === null) return null;
  // Most specific first (RFC 4514 §2.1): the CN, then the organization the template puts before it.
  const subject = [...(commonName === '' ? [] : [`CN=${commonName}`]), ...(organization === undefined ? [] : [`O=${organization}`])].join(', ');
  const sans = built.sans.map((san) => `dns:${san.slice('dns:'.length)}`);
  const firstSan = sans[0]?.slice('dns:'.length);
  return {
    kind: 'x509_certificate',
    fingerprint: sha256Hex(der),
    name: commonName !== '' ? commonName : firstSan ?? (subject === '' ? `certificate ${serial}` : subject),
    subject,
    issuer: built.issuerSubject,
    ...(sans.length > 0 ? { sans } : {}),
    serial,
    notBefore: wholeSeconds(built.notBefore),
    notAfter: wholeSeconds(built.notAfter),
    keyAlgorithm: key.keyAlgorithm,
    ...(key.keySize === undefined ? {} : { keySize: key.keySize }),
    isCa: certificateProfiles[built.profile].ca,
    signatureAlgorithm: signatureAlgorithmName(built.signatureKeyAlgorithm),
  };
};
