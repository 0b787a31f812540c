// Envelope encryption of values at rest (CA private keys, secret versions), as cloud KMSs do it: each
// value gets its own fresh 256-bit data-encryption key (DEK) and AES-256-GCM (NIST SP 800-38D); the DEK is
// sealed, with AES-256-GCM too, under the key-encryption key (KEK). Changing the KEK re-seals the DEKs only.
//
// The caller's additional authenticated data names what the value is for (`ca-key:<id>`,
// `secret:<credentialId>:<version>`), so a sealed value copied into another row does not open there.
import { createCipheriv, createDecipheriv, createHash, randomFillSync } from 'node:crypto';
import { z } from 'zod';
import { TrustplaneError } from '../../core/errors.ts';

export type KeyEncryptionKey = {
  /** First 16 hex characters of SHA-256(label ‖ key): names the key without revealing anything usable. */
  id: string;
  /** 32 bytes. */
  key: Buffer;
};

/** One KEK, or several (the configured one and, during a rewrap, the previous one), found by id. */
export type KeyEncryptionKeys = KeyEncryptionKey | readonly KeyEncryptionKey[];

const keyLength = 32;
const ivLength = 12;
const tagLength = 16;
const kekIdLabel = 'trustplane key-encryption-key id v1\0';
/** A value is a private key or a secret version; anything larger is a mistake, not a value to seal. */
export const maxSealedPlaintextBytes = 1024 * 1024;

const base64Of = (bytes: number) => 4 * Math.ceil(bytes / 3);
const base64Pattern = /^[A-Za-z0-9+/]*={0,2}$/;
const base64 = (maxBytes: number) => z.string().max(base64Of(maxBytes)).regex(base64Pattern, 'must be base64');
const exactBase64 = (bytes: number) => z.string().length(base64Of(bytes), `must be base64 of ${bytes} bytes`).regex(base64Pattern, 'must be base64');

export const sealedValueSchema = z.object({
  v: z.literal(1),
  alg: z.literal('A256GCM'),
  kek: z.string().regex(/^[0-9a-f]{16}$/, 'must be a key-encryption key id (16 hex characters)'),
  dek: z.object({ iv: exactBase64(ivLength), ct: exactBase64(keyLength), tag: exactBase64(tagLength) }).strict(),
  iv: exactBase64(ivLength),
  ct: base64(maxSealedPlaintextBytes),
  tag: exactBase64(tagLength),
}).strict();

/** A sealed value as it is stored (JSON). Holds no key material in clear. */
export type SealedValue = z.infer<typeof sealedValueSchema>;

export const keyEncryptionKey = (key: Buffer): KeyEncryptionKey => {
  if (key.length !== keyLength) throw new TrustplaneError('VALIDATION_FAILED', `a key-encryption key is ${keyLength} bytes, not ${key.length}`);
  const id = createHash('sha256').update(kekIdLabel).update(key).digest('hex').slice(0, 16);
  return { id, key };
};

/** The DEK is bound to the KEK that seals it, so a DEK moved under another KEK id does not open. */
const dekAad = (kekId: string) => Buffer.from(`trustplane dek v1 kek:${kekId}`);

type GcmBox = { iv: string; ct: string; tag: string };

const gcmSeal = (key: Buffer, plaintext: Uint8Array, aad: Buffer): GcmBox => {
  const iv = randomFillSync(Buffer.alloc(ivLength));
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: tagLength }).setAAD(aad);
  const ct = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { iv: iv.toString('base64'), ct: ct.toString('base64'), tag: cipher.getAuthTag().toString('base64') };
};

/** Returns null when authentication fails: the caller names what failed to open. */
const gcmOpen = (key: Buffer, box: GcmBox, aad: Buffer): Buffer | null => {
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(box.iv, 'base64'), { authTagLength: tagLength })
    .setAAD(aad)
    .setAuthTag(Buffer.from(box.tag, 'base64'));
  const head = decipher.update(Buffer.from(box.ct, 'base64'));
  try {
    return Buffer.concat([head, decipher.final()]);
  } catch {
    return null;
  } finally {
    head.fill(0);
  }
};

export const seal = (kek: KeyEncryptionKey, plaintext: Uint8Array, aad: string): SealedValue => {
  if (plaintext.length > maxSealedPlaintextBytes) {
    throw new TrustplaneError('VALIDATION_FAILED', `a sealed value holds at most ${maxSealedPlaintextBytes} bytes; this one has ${plaintext.length}`);
  }
  const dek = randomFillSync(Buffer.alloc(keyLength));
  try {
    const value = gcmSeal(dek, plaintext, Buffer.from(aad));
    return { v: 1, alg: 'A256GCM', kek: kek.id, dek: gcmSeal(kek.key, dek, dekAad(kek.id)), ...value };
  } finally {
    dek.fill(0);
  }
};

const kekFor = (keks: KeyEncryptionKeys, sealed: SealedValue): KeyEncryptionKey => {
  const candidates: readonly KeyEncryptionKey[] = 'id' in keks ? [keks] : keks;
  const kek = candidates.find((candidate) => candidate.id === sealed.kek);
  if (kek === undefined) {
    const configured = candidates.map((candidate) => candidate.id).join(', ') || 'none';
    throw new TrustplaneError('NOT_READY',
      `the value is sealed under key-encryption key ${sealed.kek}, which is not the configured one (${configured}); ` +
      'set TRUSTPLANE_MASTER_KEY to that key, or rewrap the stored values under the current one');
  }
  return kek;
};

const openDek = (kek: KeyEncryptionKey, sealed: SealedValue, what: string): Buffer => {
  const dek = gcmOpen(kek.key, sealed.dek, dekAad(kek.id));
  if (dek === null) {
    throw new TrustplaneError('INTERNAL',
      `the data-encryption key of ${what} failed authentication under key-encryption key ${kek.id}: ` +
      'the stored value was altered or corrupted; restore it from a backup');
  }
  return dek;
};

/** Opens a sealed value. The caller owns the returned plaintext and should zero it once used. */
export const open = (keks: KeyEncryptionKeys, sealed: SealedValue, aad: string): Buffer => {
  const dek = openDek(kekFor(keks, sealed), sealed, `the sealed value for "${aad}"`);
  try {
    const plaintext = gcmOpen(dek, sealed, Buffer.from(aad));
    if (plaintext === null) {
      throw new TrustplaneError('INTERNAL',
        `the sealed value for "${aad}" failed authentication: it was altered, or it belongs to another purpose ` +
        '(it was sealed for a different key or secret); restore it from a backup');
    }
    return plaintext;
  } finally {
    dek.fill(0);
  }
};

/**
 * Re-seals the DEK under another KEK; the value's ciphertext stays as it is. A value already under `to`
 * is returned as it is, so an interrupted rewrap can simply be run again.
 */
export const rewrap = (sealed: SealedValue, from: KeyEncryptionKey, to: KeyEncryptionKey): SealedValue => {
  if (sealed.kek === to.id) return sealed;
  if (sealed.kek !== from.id) {
    throw new TrustplaneError('CONFLICT', `the value is sealed under key-encryption key ${sealed.kek}, not ${from.id}, the key being rewrapped from`);
  }
  const dek = openDek(from, sealed, 'the sealed value being rewrapped');
  try {
    return { ...sealed, kek: to.id, dek: gcmSeal(to.key, dek, dekAad(to.id)) };
  } finally {
    dek.fill(0);
  }
};

export const parseSealedValue = (json: unknown): SealedValue => {
  const parsed = sealedValueSchema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || 'sealed value'}: ${issue.message}`);
    throw new TrustplaneError('VALIDATION_FAILED', `the stored sealed value is not valid: ${problems.join('; ')}`, problems);
  }
  return parsed.data;
};
