// What each kind of certificate Trustplane issues must carry. The template builder emits these
// extensions and the pre-issuance lints check the to-be-signed bytes against the same table, so the two
// cannot drift apart.
import { describeSubjectPublicKeyInfo } from '../inventory/public-key-facts.ts';

export const certificateProfileNames = ['root-ca', 'intermediate-ca', 'tls-server', 'mtls', 'ocsp-responder'] as const;
export type CertificateProfileName = (typeof certificateProfileNames)[number];

/** keyUsage bits by their RFC 5280 §4.2.1.3 names. */
export type KeyUsageBit = 'digitalSignature' | 'keyEncipherment' | 'keyCertSign' | 'cRLSign';

/** Extended key usage purposes (RFC 5280 §4.2.1.12, RFC 6960 §4.2.2.2). */
export const keyPurposes = {
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
  ocspSigning: '1.3.6.1.5.5.7.3.9',
} as const;

/** id-pkix-ocsp-nocheck (RFC 6960 §4.2.2.2.1): relying parties need not check the responder's own status. */
export const ocspNoCheckOid = '1.3.6.1.5.5.7.48.1.5';

export type CertificateProfile = {
  /** basicConstraints cA (RFC 5280 §4.2.1.9). The extension is always present and critical, leaves included. */
  ca: boolean;
  /** pathLenConstraint when the template gives none; undefined leaves it out. */
  defaultPathLength: number | undefined;
  /** keyUsage bits for any subject key (RFC 5280 §4.2.1.3); the extension is always critical. */
  keyUsage: readonly KeyUsageBit[];
  /** Bits added when the subject key is RSA. */
  rsaKeyUsage: readonly KeyUsageBit[];
  /** extendedKeyUsage purposes (OIDs); empty means no extension (CAs, RFC 5280 §4.2.1.12). */
  extendedKeyUsage: readonly string[];
  ocspNoCheck: boolean;
  /** Whether the certificate must name its subject in subjectAltName (RFC 6125 §6.4.4: TLS clients read only SANs). */
  sansRequired: boolean;
  /** Whether CRL Distribution Points and Authority Information Access apply: not on a root, which nothing revokes. */
  revocationPointers: boolean;
};

const caKeyUsage: readonly KeyUsageBit[] = ['keyCertSign', 'cRLSign'];

export const certificateProfiles: Readonly<Record<CertificateProfileName, CertificateProfile>> = {
  // CA/Browser Forum BR §7.1.2.1.4 advises against a pathLenConstraint on roots: the intermediates bound the chain.
  'root-ca': {
    ca: true, defaultPathLength: undefined, keyUsage: caKeyUsage, rsaKeyUsage: [], extendedKeyUsage: [],
    ocspNoCheck: false, sansRequired: false, revocationPointers: false,
  },
  // An issuing intermediate signs leaves only.
  'intermediate-ca': {
    ca: true, defaultPathLength: 0, keyUsage: caKeyUsage, rsaKeyUsage: [], extendedKeyUsage: [],
    ocspNoCheck: false, sansRequired: false, revocationPointers: true,
  },
  // RSA TLS keys also get keyEncipherment: TLS 1.2 RSA key exchange encrypts the premaster secret to them.
  'tls-server': {
    ca: false, defaultPathLength: undefined, keyUsage: ['digitalSignature'], rsaKeyUsage: ['keyEncipherment'],
    extendedKeyUsage: [keyPurposes.serverAuth], ocspNoCheck: false, sansRequired: true, revocationPointers: true,
  },
  'mtls': {
    ca: false, defaultPathLength: undefined, keyUsage: ['digitalSignature'], rsaKeyUsage: ['keyEncipherment'],
    extendedKeyUsage: [keyPurposes.serverAuth, keyPurposes.clientAuth], ocspNoCheck: false, sansRequired: true,
    revocationPointers: true,
  },
  // A responder key only signs responses, whatever its algorithm.
  'ocsp-responder': {
    ca: false, defaultPathLength: undefined, keyUsage: ['digitalSignature'], rsaKeyUsage: [],
    extendedKeyUsage: [keyPurposes.ocspSigning], ocspNoCheck: true, sansRequired: false, revocationPointers: true,
  },
};

/** The keyUsage bits a certificate of `profile` carries for a subject key of this family. */
export const keyUsageFor = (profile: CertificateProfile, subjectKey: Pick<SubjectKey, 'family'>): readonly KeyUsageBit[] =>
  subjectKey.family === 'rsa' ? [...profile.keyUsage, ...profile.rsaKeyUsage] : profile.keyUsage;

export type SubjectKey = {
  /** Named as governance names key algorithms: 'ECDSA-P256', 'Ed25519', 'RSA-2048', 'RSA-1024', or 'unknown:<oid>'. */
  keyAlgorithm: string;
  /** Bits: the RSA modulus, the curve size; 0 when unknown. */
  keySize: number;
  family: 'rsa' | 'ec' | 'eddsa' | 'other';
};

/** The subject key of a DER SubjectPublicKeyInfo, named as policy names it; null if it is not one. */
export const subjectKeyOf = (spki: Uint8Array): SubjectKey | null => {
  const facts = describeSubjectPublicKeyInfo(spki);
  if (facts === null) return null;
  const keySize = facts.keySize ?? 0;
  const { keyAlgorithm } = facts;
  if (keyAlgorithm === 'RSA') return { keyAlgorithm: `RSA-${keySize}`, keySize, family: 'rsa' };
  if (keyAlgorithm.startsWith('ECDSA-')) return { keyAlgorithm, keySize, family: 'ec' };
  if (keyAlgorithm === 'Ed25519' || keyAlgorithm === 'Ed448') return { keyAlgorithm, keySize, family: 'eddsa' };
  return { keyAlgorithm, keySize, family: 'other' };
};
