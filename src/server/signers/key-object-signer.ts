// A signer over a private key held in this process's memory (node:crypto KeyObject): what a software
// key becomes once its envelope is opened, and what tests sign with.
import { createPublicKey, sign } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { signatureAlgorithmOf } from '../../core/pki/signer.ts';
import type { CaKeyAlgorithm, Signer } from '../../core/pki/signer.ts';

export const keyObjectSigner = (privateKey: KeyObject, keyAlgorithm: CaKeyAlgorithm): Signer => {
  const { digest } = signatureAlgorithmOf(keyAlgorithm);
  const publicKey = new Uint8Array(createPublicKey(privateKey).export({ type: 'spki', format: 'der' }));
  return {
    keyAlgorithm,
    publicKey,
    // node:crypto returns DER Ecdsa-Sig-Value for ECDSA (dsaEncoding 'der' is its default) and PKCS #1
    // v1.5 for RSA, as X.509 carries them.
    sign: async (data) => new Uint8Array(sign(digest, data, privateKey)),
  };
};
