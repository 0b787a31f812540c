// Checkpoints of the audit log: the tree's size and root in the C2SP tlog-checkpoint text, signed as a
// C2SP signed note with the log's Ed25519 key (signature type 0x01). Any verifier of those formats (Go's
// golang.org/x/mod/sumdb/note, a transparency-dev witness) reads them. Pure: signing goes through the
// function the caller gives; verifying uses node:crypto's Ed25519.
//
//   <origin>\n<size>\n<base64 root>\ntime <RFC 3339 UTC>\n\n— <key name> <base64(key ID ‖ signature)>\n
//
// The time is an extension line: tlog-checkpoint allows them (and says they are not for monitors to
// audit); Trustplane's auditors need to know when the log was at a size, so the log signs it.
import { createHash, createPublicKey, verify } from 'node:crypto';
import type { Hash } from './merkle.ts';

/** Signature type byte of Ed25519 signed notes (c2sp.org/signed-note). */
const ed25519Type = 0x01;
const emDash = '\u2014';

export type NoteVerifierKey = { name: string; keyId: Uint8Array; publicKey: Uint8Array };
export type Checkpoint = { origin: string; size: number; root: Hash; time: Date | null };

const isKeyName = (name: string): boolean => name.length > 0 && !/[\s+]/u.test(name);

/** key ID = SHA-256(key name ‖ 0x0A ‖ 0x01 ‖ 32-byte public key)[:4] (c2sp.org/signed-note). */
export const noteKeyId = (name: string, publicKey: Uint8Array): Uint8Array =>
  Uint8Array.from(createHash('sha256').update(Buffer.from(`${name}\n`, 'utf8')).update(Uint8Array.of(ed25519Type)).update(publicKey).digest().subarray(0, 4));

/** The verifier key as Go's note package writes it: name+hex key ID+base64(0x01 ‖ public key). */
export const verifierKeyText = (name: string, publicKey: Uint8Array): string =>
  `${name}+${Buffer.from(noteKeyId(name, publicKey)).toString('hex')}+${Buffer.concat([Uint8Array.of(ed25519Type), publicKey]).toString('base64')}`;

/** Reads a verifier key; refuses one whose ID does not match its name and key. */
export const parseVerifierKey = (text: string): NoteVerifierKey | { problem: string } => {
  // The name has no '+'; the base64 of the key may.
  const match = /^([^+\s]+)\+([0-9a-f]{8})\+([A-Za-z0-9+/]+=*)$/u.exec(text.trim());
  if (match === null) return { problem: 'a verifier key is NAME+KEYID+BASE64KEY (as `trustplane audit public-key` prints it)' };
  const [, name, id, key] = match as unknown as [string, string, string, string];
  const decoded = Buffer.from(key, 'base64');
  if (decoded.length !== 33 || decoded[0] !== ed25519Type) return { problem: 'the verifier key is not an Ed25519 (type 0x01) note key' };
  const publicKey = Uint8Array.from(decoded.subarray(1));
  if (Buffer.from(noteKeyId(name, publicKey)).toString('hex') !== id) return { problem: `the verifier key's ID ${id} does not match its name and key` };
  return { name, keyId: Uint8Array.from(Buffer.from(id, 'hex')), publicKey };
};

/** The checkpoint's note text (c2sp.org/tlog-checkpoint), the time as an extension line. */
export const checkpointText = (checkpoint: Checkpoint): string => {
  if (!isKeyName(checkpoint.origin)) throw new RangeError(`the origin ${JSON.stringify(checkpoint.origin)} must be non-empty, without spaces or plus signs`);
  const time = checkpoint.time === null ? '' : `time ${checkpoint.time.toISOString().replace(/\.\d{3}Z$/, 'Z')}\n`;
  return `${checkpoint.origin}\n${checkpoint.size}\n${Buffer.from(checkpoint.root).toString('base64')}\n${time}`;
};

/** A signed note: `text`, a blank line, and the signature line of `name`'s Ed25519 key. */
export const signedNote = (text: string, name: string, publicKey: Uint8Array, signature: Uint8Array): string =>
  `${text}\n${emDash} ${name} ${Buffer.concat([noteKeyId(name, publicKey), signature]).toString('base64')}\n`;

const ed25519Verifies = (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean => {
  try {
    const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(publicKey).toString('base64url') }, format: 'jwk' });
    return verify(null, message, key, signature);
  } catch {
    return false;
  }
};

/**
 * Opens a signed note with a verifier key: its text when the key's signature on it verifies. Signatures
 * of other keys are ignored, as the format asks; a note with none of this key fails.
 */
export const openNote = (note: string, key: NoteVerifierKey): { ok: true; text: string } | { ok: false; problem: string } => {
  if (!note.endsWith('\n') || /[^\P{Cc}\n]/u.test(note)) return { ok: false, problem: 'the note has control characters or does not end in a newline' };
  const split = note.lastIndexOf('\n\n');
  if (split < 0) return { ok: false, problem: 'the note has no blank line before its signatures' };
  const text = note.slice(0, split + 1);
  const lines = note.slice(split + 2, -1).split('\n');
  let verified = false;
  for (const line of lines) {
    const match = new RegExp(`^${emDash} (\\S+) ([A-Za-z0-9+/]+=*)$`, 'u').exec(line);
    if (match === null) return { ok: false, problem: `the note's signature line ${JSON.stringify(line.slice(0, 80))} is malformed` };
    const [, name, encoded] = match as unknown as [string, string, string];
    const bytes = Buffer.from(encoded, 'base64');
    if (name !== key.name || bytes.length < 4 || !bytes.subarray(0, 4).equals(key.keyId)) continue;
    if (bytes.length !== 68 || !ed25519Verifies(key.publicKey, Buffer.from(text, 'utf8'), bytes.subarray(4))) {
      return { ok: false, problem: `the signature of ${key.name} on the note does not verify: the note was altered, or signed by another key` };
    }
    verified = true;
  }
  return verified ? { ok: true, text } : { ok: false, problem: `the note carries no signature of ${key.name} (key ID ${Buffer.from(key.keyId).toString('hex')})` };
};

/** Reads a checkpoint's note text (not its signatures: open the note first). */
export const parseCheckpoint = (text: string): Checkpoint | { problem: string } => {
  const lines = text.split('\n');
  if (lines.at(-1) !== '' || lines.length < 4) return { problem: 'a checkpoint is at least three lines: origin, size, root hash' };
  const [origin, size, root, ...extensions] = lines.slice(0, -1) as [string, string, string, ...string[]];
  if (!/^(0|[1-9]\d*)$/.test(size) || !Number.isSafeInteger(Number(size))) return { problem: `the checkpoint's size ${JSON.stringify(size.slice(0, 30))} is not a decimal number` };
  const rootBytes = Buffer.from(root, 'base64');
  if (rootBytes.length !== 32 || rootBytes.toString('base64') !== root) return { problem: "the checkpoint's root hash is not 32 octets of base64" };
  const timeLine = extensions.find((line) => line.startsWith('time '));
  const time = timeLine === undefined ? null : new Date(timeLine.slice('time '.length));
  if (time !== null && Number.isNaN(time.getTime())) return { problem: `the checkpoint's time ${JSON.stringify(timeLine)} is not a time` };
  return { origin, size: Number(size), root: Uint8Array.from(rootBytes), time };
};
