// Assertions several test files share.
import assert from 'node:assert/strict';
import { createPublicKey, verify } from 'node:crypto';
import { TrustplaneError } from '../../src/core/errors.ts';
import { signatureAlgorithmOf } from '../../src/core/pki/signer.ts';
import type { CaKeyAlgorithm, Signer } from '../../src/core/pki/signer.ts';

/** For assert.throws / assert.rejects: a TrustplaneError with this code and a message matching the pattern. */
export const refusedWith = (code: string, pattern: RegExp) => (error: unknown) => {
  assert.ok(error instanceof TrustplaneError, `expected a TrustplaneError, got ${String(error)}`);
  assert.equal(error.code, code);
  assert.match(error.message, pattern);
  return true;
};

/** Whether `signer` signs `data` so that node:crypto verifies it against the stored public key (base64 SPKI). */
export const signatureVerifies = async (signer: Signer, publicKeyBase64: string, algorithm: CaKeyAlgorithm, data: Uint8Array): Promise<boolean> => {
  const publicKey = createPublicKey({ key: Buffer.from(publicKeyBase64, 'base64'), format: 'der', type: 'spki' });
  return verify(signatureAlgorithmOf(algorithm).digest, data, publicKey, await signer.sign(data));
};
