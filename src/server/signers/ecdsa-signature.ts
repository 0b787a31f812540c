// PKCS #11's CKM_ECDSA returns the signature as r ‖ s, each as long as the curve's order (PKCS #11 v3.0
// Current Mechanisms §2.3.1); X.509 carries Ecdsa-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER } in DER
// (RFC 3279 §2.2.3, kept for the SHA-2 algorithms by RFC 5758 §3.2).
import { TrustplaneError } from '../../core/errors.ts';

/** X.690 §8.1.3: definite length, short form below 128, long form above. */
const derLength = (length: number): number[] => {
  if (length < 0x80) return [length];
  const bytes: number[] = [];
  for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest % 256);
  return [0x80 | bytes.length, ...bytes];
};

/** X.690 §8.3: a positive INTEGER in the fewest octets, with a 0x00 first when the high bit is set. */
const derPositiveInteger = (magnitude: Uint8Array): number[] => {
  let start = 0;
  while (start < magnitude.length - 1 && magnitude[start] === 0) start += 1;
  const content = [...magnitude.subarray(start)];
  if (content.length === 0) content.push(0);
  if ((content[0] ?? 0) & 0x80) content.unshift(0);
  return [0x02, ...derLength(content.length), ...content];
};

export const ecdsaRawToDer = (raw: Uint8Array): Uint8Array => {
  if (raw.length === 0 || raw.length % 2 !== 0) {
    throw new TrustplaneError('INTERNAL', `an ECDSA signature from the token has ${raw.length} bytes; r ‖ s has an even, non-zero length`);
  }
  const half = raw.length / 2;
  const body = [...derPositiveInteger(raw.subarray(0, half)), ...derPositiveInteger(raw.subarray(half))];
  return new Uint8Array([0x30, ...derLength(body.length), ...body]);
};
