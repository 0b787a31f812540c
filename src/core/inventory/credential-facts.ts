import type { CredentialKind, CredentialStatus } from './credential-kinds.ts';

/** What one piece of imported trust material says about itself. Never holds secret values. */
export type CredentialFacts = {
  kind: CredentialKind;
  /**
   * Lowercase hex SHA-256: of the DER certificate (X.509); of the DER SubjectPublicKeyInfo (public and
   * private keys); of the SSH wire-format public key blob (SSH keys, as OpenSSH's SHA256: fingerprint);
   * for metadata rows, the row's own fingerprint, else SHA-256 of `${kind}:${source ?? ''}:${externalId}`.
   */
  fingerprint: string;
  /** A display label: certificate CN (or first SAN, or subject DN), SSH key comment, metadata name or id. */
  name: string;
  /** RFC 4514 DN strings, most specific attribute first ("CN=api.acme.example, O=Acme"). */
  subject?: string;
  issuer?: string;
  /** Subject alternative names with a type prefix: dns:, ip:, email:, uri:, rid:, othername:. */
  sans?: string[];
  /** Lowercase hex of the serial number's magnitude, as `openssl x509 -serial` prints it. */
  serial?: string;
  notBefore?: Date;
  notAfter?: Date;
  /** One of keyAlgorithms ('RSA', 'ECDSA-P256', …) or 'unknown:<oid>' (KeyAlgorithm). */
  keyAlgorithm?: string;
  /** Bits: RSA and DSA modulus bits, EC curve bits (256/384/521), Ed25519 256, Ed448 448. */
  keySize?: number;
  /** X.509 basicConstraints cA. */
  isCa?: boolean;
  /** OpenSSL's short name ('sha256WithRSAEncryption', 'ecdsa-with-SHA256', 'Ed25519') or the OID. */
  signatureAlgorithm?: string;
  // Inventory exports (JSON/CSV) only.
  externalId?: string;
  source?: string;
  classId?: string;
  storageLocation?: string;
  managedStorage?: boolean;
  workloads?: string[];
  exposedTo?: string[];
  lastRotatedAt?: Date;
  status?: CredentialStatus;
};
