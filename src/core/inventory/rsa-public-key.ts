import { createPublicKey } from 'node:crypto';

/** The SubjectPublicKeyInfo of a PKCS#1 RSAPublicKey (RFC 8017 App. A.1.1, PEM "RSA PUBLIC KEY"). */
export const rsaPublicKeyToSubjectPublicKeyInfo = (der: Buffer): Buffer | null => {
  try {
    return createPublicKey({ key: der, format: 'der', type: 'pkcs1' }).export({ type: 'spki', format: 'der' });
  } catch {
    return null;
  }
};
