// What signs certificates, CRLs and OCSP responses. Core builds the bytes to be signed and never sees a
// private key: the signer is injected (a software key decrypted in memory, or a key inside a PKCS#11
// token), as DESIGN.md's architecture asks.

/** The key algorithms a Trustplane CA (or OCSP responder, or log) key may have. */
export const caKeyAlgorithms = ['ECDSA-P256', 'ECDSA-P384', 'Ed25519', 'RSA-2048', 'RSA-3072'] as const;
export type CaKeyAlgorithm = (typeof caKeyAlgorithms)[number];

export type Signer = {
  keyAlgorithm: CaKeyAlgorithm;
  /** The signing key's public half, as a DER SubjectPublicKeyInfo. */
  publicKey: Uint8Array;
  /**
   * Signs `data` with the signature algorithm of `signatureAlgorithmOf(keyAlgorithm)` and returns the
   * signature as X.509 carries it: a DER Ecdsa-Sig-Value for ECDSA, the raw 64 bytes for Ed25519, the
   * PKCS #1 v1.5 signature for RSA.
   */
  sign(data: Uint8Array): Promise<Uint8Array>;
};

export type SignatureAlgorithm = {
  /** The AlgorithmIdentifier OID (RFC 5758, RFC 8410, RFC 4055). */
  oid: string;
  /** Whether the AlgorithmIdentifier carries an explicit NULL parameter (RSA does, RFC 4055 §5; ECDSA and EdDSA do not). */
  nullParameters: boolean;
  /** The digest node:crypto and PKCS #11 hash with; null for Ed25519, which hashes internally. */
  digest: 'sha256' | 'sha384' | null;
  /** OpenSSL's short name. */
  name: string;
};

export const signatureAlgorithmOf = (keyAlgorithm: CaKeyAlgorithm): SignatureAlgorithm => {
  switch (keyAlgorithm) {
    case 'ECDSA-P256': return { oid: '1.2.840.10045.4.3.2', nullParameters: false, digest: 'sha256', name: 'ecdsa-with-SHA256' };
    case 'ECDSA-P384': return { oid: '1.2.840.10045.4.3.3', nullParameters: false, digest: 'sha384', name: 'ecdsa-with-SHA384' };
    case 'Ed25519': return { oid: '1.3.101.112', nullParameters: false, digest: null, name: 'ED25519' };
    case 'RSA-2048':
    case 'RSA-3072': return { oid: '1.2.840.113549.1.1.11', nullParameters: true, digest: 'sha256', name: 'sha256WithRSAEncryption' };
  }
};
