import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { TrustplaneError } from '../../core/errors.ts';
import { keyEncryptionKey, maxSealedPlaintextBytes, open, parseSealedValue, rewrap, seal } from './key-envelope.ts';
import type { KeyEncryptionKey, SealedValue } from './key-envelope.ts';

const newKek = (): KeyEncryptionKey => keyEncryptionKey(randomBytes(32));
const plaintext = Buffer.from('-----BEGIN PRIVATE KEY----- not really, but secret all the same');
const aad = 'ca-key:ca_1234';

/** Flips one bit of a base64 field. */
const flip = (field: string, at = 0): string => {
  const bytes = Buffer.from(field, 'base64');
  bytes[at] = (bytes[at] ?? 0) ^ 0x01;
  return bytes.toString('base64');
};

/** The error is a TrustplaneError with the code and none of the given secrets in its message or details. */
const refused = (code: string, secrets: readonly Buffer[], pattern?: RegExp) => (error: unknown) => {
  assert.ok(error instanceof TrustplaneError, `expected a TrustplaneError, got ${String(error)}`);
  assert.equal(error.code, code);
  if (pattern !== undefined) assert.match(error.message, pattern);
  const text = [error.message, ...error.details].join('\n');
  for (const secret of secrets) {
    for (const encoding of ['base64', 'hex', 'utf8'] as const) {
      assert.ok(!text.includes(secret.toString(encoding)), `the error holds secret bytes (${encoding})`);
    }
  }
  return true;
};

describe('key envelope', () => {
  it('names a key-encryption key by a truncated SHA-256 of a fixed label and the key', () => {
    // Expected ids computed independently with Python: hashlib.sha256(b'trustplane key-encryption-key id v1\0' + key).hexdigest()[:16]
    assert.equal(keyEncryptionKey(Buffer.alloc(32)).id, '1b430a2e5d161968');
    assert.equal(keyEncryptionKey(Buffer.from(Array.from({ length: 32 }, (_, i) => i))).id, '3a46095a90b7612f');
    assert.throws(() => keyEncryptionKey(Buffer.alloc(16)), refused('VALIDATION_FAILED', [], /32 bytes, not 16/));
  });

  it('opens what it sealed, and the sealed JSON holds neither the plaintext nor a key', () => {
    const kek = newKek();
    const sealed = seal(kek, plaintext, aad);
    assert.equal(sealed.v, 1);
    assert.equal(sealed.kek, kek.id);
    const json = JSON.stringify(sealed);
    assert.ok(!json.includes(plaintext.toString('base64')) && !json.includes('secret all the same'));
    assert.ok(!json.includes(kek.key.toString('base64')));
    assert.deepEqual(open(kek, parseSealedValue(JSON.parse(json)), aad), plaintext);
    assert.deepEqual(open([newKek(), kek], sealed, aad), plaintext);
  });

  it('uses a fresh data-encryption key and IV for every value', () => {
    const kek = newKek();
    const first = seal(kek, plaintext, aad);
    const second = seal(kek, plaintext, aad);
    assert.notEqual(first.ct, second.ct);
    assert.notEqual(first.dek.ct, second.dek.ct);
    assert.notEqual(first.iv, second.iv);
  });

  it('seals an empty value and refuses one larger than the bound', () => {
    const kek = newKek();
    assert.equal(open(kek, seal(kek, new Uint8Array(0), aad), aad).length, 0);
    assert.throws(() => seal(kek, new Uint8Array(maxSealedPlaintextBytes + 1), aad), refused('VALIDATION_FAILED', []));
  });

  it('refuses to open a value for another purpose (other additional authenticated data)', () => {
    const kek = newKek();
    const sealed = seal(kek, plaintext, 'secret:cred_1:1');
    assert.throws(() => open(kek, sealed, 'secret:cred_1:2'), refused('INTERNAL', [plaintext, kek.key], /"secret:cred_1:2" failed authentication/));
  });

  it('refuses a value whose ciphertext, tag, IV or sealed data-encryption key was altered, without revealing key material', () => {
    const kek = newKek();
    const sealed = seal(kek, plaintext, aad);
    const tampered: SealedValue[] = [
      { ...sealed, ct: flip(sealed.ct, 5) },
      { ...sealed, tag: flip(sealed.tag) },
      { ...sealed, iv: flip(sealed.iv) },
      { ...sealed, dek: { ...sealed.dek, ct: flip(sealed.dek.ct, 31) } },
      { ...sealed, dek: { ...sealed.dek, tag: flip(sealed.dek.tag) } },
      { ...sealed, dek: { ...sealed.dek, iv: flip(sealed.dek.iv) } },
    ];
    for (const value of tampered) {
      assert.throws(() => open(kek, value, aad), refused('INTERNAL', [plaintext, kek.key], /failed authentication.*altered/));
    }
  });

  it('refuses a value under a key claiming the right id but holding other bytes', () => {
    const kek = newKek();
    const sealed = seal(kek, plaintext, aad);
    const impostor = { id: kek.id, key: randomBytes(32) };
    assert.throws(() => open(impostor, sealed, aad), refused('INTERNAL', [plaintext, kek.key, impostor.key], /data-encryption key/));
  });

  it('names the key-encryption key a value is sealed under when it is not configured', () => {
    const kek = newKek();
    const other = newKek();
    const sealed = seal(kek, plaintext, aad);
    assert.throws(() => open(other, sealed, aad), refused('NOT_READY', [kek.key, other.key],
      new RegExp(`sealed under key-encryption key ${kek.id}, which is not the configured one \\(${other.id}\\).*TRUSTPLANE_MASTER_KEY.*rewrap`)));
  });

  it('rewraps the data-encryption key only: the new key opens the value, the old one no longer does', () => {
    const before = newKek();
    const after = newKek();
    const sealed = seal(before, plaintext, aad);
    const rewrapped = rewrap(sealed, before, after);
    assert.equal(rewrapped.kek, after.id);
    assert.equal(rewrapped.ct, sealed.ct);
    assert.equal(rewrapped.iv, sealed.iv);
    assert.equal(rewrapped.tag, sealed.tag);
    assert.notEqual(rewrapped.dek.ct, sealed.dek.ct);
    assert.deepEqual(open(after, rewrapped, aad), plaintext);
    assert.throws(() => open(before, rewrapped, aad), refused('NOT_READY', [before.key, after.key]));
    assert.equal(rewrap(rewrapped, before, after), rewrapped, 'a value already under the new key is left as it is');
    assert.throws(() => rewrap(seal(newKek(), plaintext, aad), before, after), refused('CONFLICT', [before.key, after.key]));
  });

  it('parses only well-formed, bounded sealed values', () => {
    const sealed = seal(newKek(), plaintext, aad);
    const invalid: unknown[] = [
      null,
      'sealed',
      { ...sealed, v: 2 },
      { ...sealed, kek: 'not-an-id' },
      { ...sealed, iv: 'AAAA' },
      { ...sealed, tag: '!'.repeat(24) },
      { ...sealed, ct: 'A'.repeat(4 * Math.ceil(maxSealedPlaintextBytes / 3) + 4) },
      { ...sealed, dek: { ...sealed.dek, extra: 1 } },
      { ...sealed, extra: 1 },
    ];
    for (const value of invalid) {
      assert.throws(() => parseSealedValue(value), refused('VALIDATION_FAILED', [plaintext]));
    }
    assert.deepEqual(parseSealedValue(JSON.parse(JSON.stringify(sealed))), sealed);
  });
});
