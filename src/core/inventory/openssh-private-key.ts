import { createPublicKey } from 'node:crypto';
import sshpk from 'sshpk';
import { latin1, sshWireReader } from './ssh-wire.ts';

// An OPENSSH PRIVATE KEY (PROTOCOL.key) stores its public keys in the clear before the private
// section, encrypted or not:
//   "openssh-key-v1\0" string ciphername, string kdfname, string kdfoptions, uint32 N,
//   string publickey[N], string private section
// Reading the public key from there never touches the private bytes and needs no passphrase.

const magic = 'openssh-key-v1\0';

/** The wire-format public key blob of an OpenSSH private key file's body, or null if malformed. */
export const openSshPrivateKeyPublicBlob = (body: Uint8Array): Uint8Array | null => {
  if (latin1(body.subarray(0, magic.length)) !== magic) return null;
  const reader = sshWireReader(body.subarray(magic.length));
  for (let i = 0; i < 3; i++) if (reader.readString() === null) return null;
  // OpenSSH writes exactly one key per file.
  if (reader.readUint32() !== 1) return null;
  return reader.readString();
};

/** The DER SubjectPublicKeyInfo of an SSH public key blob, or null for types without one (sk- keys). */
export const sshBlobToSubjectPublicKeyInfo = (blob: Uint8Array): Buffer | null => {
  try {
    const pem = sshpk.parseKey(Buffer.from(blob), 'rfc4253').toBuffer('pkcs8');
    return createPublicKey(pem).export({ type: 'spki', format: 'der' });
  } catch {
    return null;
  }
};
