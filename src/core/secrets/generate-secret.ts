// Generates secret values (API keys, passwords, tokens) from a class's `policy.secret`. Each character is
// drawn uniformly from the alphabet by rejection sampling: a random byte is kept only when it falls below
// the largest multiple of the alphabet's size that fits in a byte, so `byte % size` favours no character
// (a plain modulo over 62 characters would make the first 8 a quarter more likely than the rest).
// The random source is injected: the core does no I/O.
import { TrustplaneError } from '../errors.ts';
import type { SecretAlphabet } from '../governance/governance-vocabulary.ts';

const upper = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const lower = 'abcdefghijklmnopqrstuvwxyz';
const digits = '0123456789';

/** The characters of each named alphabet; base32 and base64url as RFC 4648 §6 and §5 spell them. */
export const secretAlphabetCharacters: Readonly<Record<SecretAlphabet, string>> = {
  alphanumeric: `${upper}${lower}${digits}`,
  hex: '0123456789abcdef',
  base32: `${upper}234567`,
  base64url: `${upper}${lower}${digits}-_`,
};

export const defaultSecretLength = 32;
export const defaultSecretAlphabet: SecretAlphabet = 'base64url';
export const maxSecretLength = 4096;
export const maxSecretPrefixLength = 64;

const prefixPattern = /^[A-Za-z0-9._-]*$/;

/**
 * How many bytes the source may hand out per character before generation gives up. Rejection discards
 * at most 194/256 of the bytes (alphanumeric keeps 248 of 256), so an honest source practically never
 * comes near this; a broken one (all 0xff) fails instead of looping for ever.
 */
const maxBytesPerCharacter = 16;

export type SecretPolicyInput = { length?: number; alphabet?: SecretAlphabet; prefix?: string };

export const generateSecret = (policy: SecretPolicyInput, randomBytes: (n: number) => Uint8Array): string => {
  const length = policy.length ?? defaultSecretLength;
  const alphabet = secretAlphabetCharacters[policy.alphabet ?? defaultSecretAlphabet];
  const prefix = policy.prefix ?? '';
  if (!Number.isSafeInteger(length) || length < 1 || length > maxSecretLength) {
    throw new TrustplaneError('VALIDATION_FAILED', `a secret's length is a whole number from 1 to ${maxSecretLength} characters (after its prefix), not ${String(length)}`);
  }
  if (alphabet === undefined) throw new TrustplaneError('VALIDATION_FAILED', `"${String(policy.alphabet).slice(0, 40)}" is not a secret alphabet; use ${Object.keys(secretAlphabetCharacters).join(', ')}`);
  if (prefix.length > maxSecretPrefixLength || !prefixPattern.test(prefix)) {
    throw new TrustplaneError('VALIDATION_FAILED', `a secret prefix is at most ${maxSecretPrefixLength} letters, digits, ".", "_" or "-"`);
  }
  const size = alphabet.length;
  const limit = 256 - (256 % size);
  const characters: string[] = [];
  let drawn = 0;
  while (characters.length < length) {
    const wanted = length - characters.length;
    // Ask for a little more than is left, expecting some rejections.
    const request = wanted + (wanted >> 2) + 8;
    drawn += request;
    if (drawn > length * maxBytesPerCharacter + 64) {
      throw new TrustplaneError('INTERNAL', `the random source rejected too often while generating a ${length}-character secret; it is not uniform, so no value was generated`);
    }
    const bytes = randomBytes(request);
    if (bytes.length !== request) throw new TrustplaneError('INTERNAL', `the random source returned ${bytes.length} bytes where ${request} were asked for`);
    for (const byte of bytes) {
      if (byte < limit) characters.push(alphabet.charAt(byte % size));
      if (characters.length === length) break;
    }
    bytes.fill(0);
  }
  return `${prefix}${characters.join('')}`;
};
