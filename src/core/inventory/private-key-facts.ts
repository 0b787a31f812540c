import { createPrivateKey, createPublicKey } from 'node:crypto';
import type { PublicKeyFacts } from './public-key-facts.ts';
import { openSshPrivateKeyPublicBlob, sshBlobToSubjectPublicKeyInfo } from './openssh-private-key.ts';
import { describeSubjectPublicKeyInfo } from './public-key-facts.ts';

/** PEM labels of the unencrypted private key encodings node:crypto reads, by DER type. */
export const privateKeyEncodings = {
  'PRIVATE KEY': 'pkcs8',
  'RSA PRIVATE KEY': 'pkcs1',
  'EC PRIVATE KEY': 'sec1',
} as const;
export type PrivateKeyLabel = keyof typeof privateKeyEncodings | 'OPENSSH PRIVATE KEY';

const spkiOf = (label: PrivateKeyLabel, der: Buffer): Buffer | null => {
  if (label === 'OPENSSH PRIVATE KEY') {
    const blob = openSshPrivateKeyPublicBlob(der);
    return blob === null ? null : sshBlobToSubjectPublicKeyInfo(blob);
  }
  try {
    const privateKey = createPrivateKey({ key: der, format: 'der', type: privateKeyEncodings[label] });
    return createPublicKey(privateKey).export({ type: 'spki', format: 'der' });
  } catch {
    return null;
  }
};

/**
 * The public facts of a private key: the public key is derived and described, the private bytes are
 * wiped from `der` afterwards and never kept. Null when node:crypto cannot read the key.
 */
export const privateKeyFacts = (label: PrivateKeyLabel, der: Buffer): PublicKeyFacts | null => {
  try {
    const spki = spkiOf(label, der);
    return spki === null ? null : describeSubjectPublicKeyInfo(spki);
  } finally {
    der.fill(0);
  }
};
