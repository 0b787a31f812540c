// Who signed a certificate, as a relying party establishes it: the issuer's subject is the certificate's
// issuer name and the issuer's key verifies its signature (RFC 5280 §6.1.3 (a)(1) and (a)(4)). Bytes that
// are not a certificate were signed by nobody.
import { X509Certificate } from 'node:crypto';

const read = (der: Uint8Array): X509Certificate | null => {
  try {
    return new X509Certificate(der);
  } catch {
    return null;
  }
};

/** Whether `issuer` (DER) issued `certificate` (DER): names chained and signature verified. */
export const isIssuedBy = (certificate: Uint8Array, issuer: Uint8Array): boolean => {
  const child = read(certificate);
  const parent = read(issuer);
  if (child === null || parent === null) return false;
  try {
    return child.checkIssued(parent) && child.verify(parent.publicKey);
  } catch {
    return false;
  }
};

/**
 * Whether the certificate names itself as its issuer, or its own key verifies it: either way no CA
 * vouches for it.
 */
export const isSelfIssued = (certificate: Uint8Array): boolean => {
  const child = read(certificate);
  if (child === null) return false;
  try {
    return child.checkIssued(child) || child.verify(child.publicKey);
  } catch {
    return false;
  }
};
