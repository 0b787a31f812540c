// What renewing, rotating and probing need from a certificate the CA issued: its key (as a DER
// SubjectPublicKeyInfo, named as policy names keys), its names and its validity. The inventory's own
// certificate reader gives the names and dates; only the key's bytes are read here.
import { X509Certificate } from 'node:crypto';
import { certificateFacts } from '../inventory/certificate-facts.ts';
import { subjectKeyOf } from './certificate-profile.ts';

export type IssuedCertificateFacts = {
  publicKey: Uint8Array;
  /** As policy names key algorithms: 'ECDSA-P256', 'RSA-2048', … */
  keyAlgorithm: string;
  /** Prefixed dns:, ip:, uri:, email:. */
  sans: string[];
  /** The subject's CN, or the first SAN when there is none. */
  commonName: string;
  notBefore: Date;
  notAfter: Date;
};

export const issuedCertificateFacts = (pem: string): IssuedCertificateFacts => {
  const certificate = new X509Certificate(pem);
  const facts = certificateFacts(new Uint8Array(certificate.raw));
  const publicKey = new Uint8Array(certificate.publicKey.export({ type: 'spki', format: 'der' }));
  return {
    publicKey,
    keyAlgorithm: subjectKeyOf(publicKey)?.keyAlgorithm ?? 'unknown',
    sans: facts?.sans ?? [],
    commonName: facts?.name ?? '',
    notBefore: new Date(certificate.validFrom),
    notAfter: new Date(certificate.validTo),
  };
};
