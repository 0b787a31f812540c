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
    // v1.5 for RSA, as X.509 carries them. Given a callback it signs in libuv's thread pool: the event
    // loop goes on serving while an RSA-3072 signature (milliseconds) is made, and concurrent issuances
    // and OCSP answers sign on every core.
    sign: (data) => new Promise((resolve, reject) => {
      sign(digest, data, privateKey, (error, signature) => (error === null ? resolve(new Uint8Array(signature)) : reject(error)));
    }),
  };
};
