// PKCS #11's CKM_ECDSA returns the signature as r ‖ s, each as long as the curve's order (PKCS #11 v3.0
// Current Mechanisms §2.3.1); X.509 carries Ecdsa-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER } in DER
// (RFC 3279 §2.2.3, kept for the SHA-2 algorithms by RFC 5758 §3.2).
import { TrustplaneError } from '../../core/errors.ts';
import { derInteger, sequence } from '../../core/pki/der.ts';

export const ecdsaRawToDer = (raw: Uint8Array): Uint8Array => {
  if (raw.length === 0 || raw.length % 2 !== 0) {
    throw new TrustplaneError('INTERNAL', `an ECDSA signature from the token has ${raw.length} bytes; r ‖ s has an even, non-zero length`);
  }
  const half = raw.length / 2;
  return new Uint8Array(sequence(derInteger(raw.subarray(0, half)), derInteger(raw.subarray(half))));
};
