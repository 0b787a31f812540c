import { hash } from 'node:crypto';

export const sha256Hex = (data: Uint8Array | string): string => hash('sha256', data, 'hex');

const plainHex = /^[0-9a-f]{64}$/i;
const colonHex = /^[0-9a-f]{2}(?::[0-9a-f]{2}){31}$/i;
// OpenSSH prints "SHA256:" and unpadded base64 of the 32-byte digest.
const openSshSha256 = /^SHA256:([A-Za-z0-9+/]{43})=?$/i;

/**
 * A SHA-256 fingerprint as lowercase hex, from hex (with or without colons between bytes) or from
 * OpenSSH's "SHA256:base64"; null when the text is not a SHA-256 fingerprint.
 */
export const normaliseFingerprint = (text: string): string | null => {
  const trimmed = text.trim();
  if (plainHex.test(trimmed)) return trimmed.toLowerCase();
  if (colonHex.test(trimmed)) return trimmed.replaceAll(':', '').toLowerCase();
  const base64 = openSshSha256.exec(trimmed)?.[1];
  if (base64 === undefined) return null;
  const digest = Buffer.from(base64, 'base64');
  // 43 base64 characters carry 258 bits: the last two must be zero for a canonical 32-byte value.
  if (digest.length !== 32 || digest.toString('base64').slice(0, 43) !== base64) return null;
  return digest.toString('hex');
};
