import sshpk from 'sshpk';
import type { KeyAlgorithm } from './credential-kinds.ts';
import { sha256Hex } from './fingerprint.ts';
import { latin1, sshWireReader } from './ssh-wire.ts';

export type SshKeyFacts = { type: string; fingerprint: string; keyAlgorithm: KeyAlgorithm; keySize: number };
export type SshKeyRead = { ok: true; key: SshKeyFacts } | { ok: false; message: string };

/** What looks like an SSH public key type, supported or not. */
export const sshKeyTypePattern = /^(?:ssh-|ecdsa-sha2-|sk-)[a-z0-9@.-]{1,60}$/;

const curveAlgorithms: Readonly<Record<string, { keyAlgorithm: KeyAlgorithm; keySize: number }>> = {
  nistp256: { keyAlgorithm: 'ECDSA-P256', keySize: 256 },
  nistp384: { keyAlgorithm: 'ECDSA-P384', keySize: 384 },
  nistp521: { keyAlgorithm: 'ECDSA-P521', keySize: 521 },
};

const sshpkTypes = new Set(['ssh-rsa', 'ssh-dss', 'ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521']);
const supportedTypes = 'ssh-ed25519, ssh-rsa, ecdsa-sha2-nistp256/384/521, ssh-dss, sk-ssh-ed25519@openssh.com and sk-ecdsa-sha2-nistp256@openssh.com';

const malformed = { ok: false, message: 'the key data is malformed (truncated or corrupted); copy the key again from its .pub file' } as const;

const algorithmOf = (key: sshpk.Key): { keyAlgorithm: KeyAlgorithm; keySize: number } | null => {
  switch (key.type) {
    case 'rsa': return { keyAlgorithm: 'RSA', keySize: key.size };
    case 'dsa': return { keyAlgorithm: 'DSA', keySize: key.size };
    case 'ed25519': return { keyAlgorithm: 'Ed25519', keySize: 256 };
    case 'ecdsa': return curveAlgorithms[key.curve ?? ''] ?? null;
    default: return null;
  }
};

// FIDO security keys (PROTOCOL.u2f): sshpk does not read them. The public part is followed by the
// application string, so the blob is: type, [curve,] key, application.
const readSecurityKey = (type: string, blob: Uint8Array): { keyAlgorithm: KeyAlgorithm; keySize: number } | null => {
  const reader = sshWireReader(blob);
  reader.readString();
  if (type === 'sk-ssh-ed25519@openssh.com') {
    const key = reader.readString();
    return key?.length === 32 && reader.readString() !== null && reader.atEnd() ? { keyAlgorithm: 'Ed25519', keySize: 256 } : null;
  }
  const curve = reader.readString();
  const point = reader.readString();
  return curve !== null && latin1(curve) === 'nistp256' && point?.length === 65 && reader.readString() !== null && reader.atEnd()
    ? curveAlgorithms.nistp256!
    : null;
};

/** Facts of an SSH public key blob (RFC 4253 §6.6); the fingerprint is OpenSSH's SHA256: one, in hex. */
export const describeSshPublicKey = (blob: Uint8Array): SshKeyRead => {
  const typeBytes = sshWireReader(blob).readString();
  if (typeBytes === null) return malformed;
  const type = latin1(typeBytes);
  let algorithm: { keyAlgorithm: KeyAlgorithm; keySize: number } | null;
  if (sshpkTypes.has(type)) {
    try {
      algorithm = algorithmOf(sshpk.parseKey(Buffer.from(blob), 'rfc4253'));
    } catch {
      algorithm = null;
    }
  } else if (type === 'sk-ssh-ed25519@openssh.com' || type === 'sk-ecdsa-sha2-nistp256@openssh.com') {
    algorithm = readSecurityKey(type, blob);
  } else {
    const shown = sshKeyTypePattern.test(type) ? `"${type}"` : 'in the key data';
    return { ok: false, message: `the key type ${shown} is not supported; Trustplane reads ${supportedTypes}` };
  }
  return algorithm === null ? malformed : { ok: true, key: { type, fingerprint: sha256Hex(blob), ...algorithm } };
};
