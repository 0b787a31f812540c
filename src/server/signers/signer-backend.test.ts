import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { refusedWith } from '../../../test/support/assertions.ts';
import { randomBytes } from 'node:crypto';
import { keyEncryptionKey } from '../keys/key-envelope.ts';
import { createSignerRegistry, parseStoredKey } from './signer-backend.ts';
import type { SignerBackend } from './signer-backend.ts';
import { softwareSignerBackend } from './software-signer.ts';

const refused = refusedWith;

const pkcs11Key = { kind: 'pkcs11', algorithm: 'RSA-2048', publicKey: 'MIIBIjAN', tokenLabel: 'trustplane-ca', keyId: '0a1b2c', label: 'Root CA' };

describe('signer registry', () => {
  it('loads a stored key through the backend of its kind', async () => {
    const registry = createSignerRegistry([softwareSignerBackend({ kek: keyEncryptionKey(randomBytes(32)) })]);
    assert.deepEqual(registry.kinds(), ['software']);
    const { stored, signer } = await registry.get('software').generate({ algorithm: 'Ed25519', label: 'Log key', aad: 'log-key:1' });
    assert.deepEqual((await registry.load(stored, 'log-key:1')).publicKey, signer.publicKey);
    await registry.close();
  });

  it('says how to configure a backend that a stored key needs and that is not registered', async () => {
    const registry = createSignerRegistry([]);
    assert.throws(() => registry.get('pkcs11'), refused('NOT_READY', /no "pkcs11" signer backend is configured \(configured: none\); set TRUSTPLANE_PKCS11_MODULE/));
    assert.throws(() => registry.load(parseStoredKey(pkcs11Key), 'ca-key:1'), refused('NOT_READY', /"pkcs11"/));
  });

  it('refuses two backends of one kind and closes every backend', async () => {
    const closed: string[] = [];
    const backend = (kind: SignerBackend['kind']): SignerBackend => ({
      kind,
      generate: () => Promise.reject(new Error('not in this test')),
      load: () => Promise.reject(new Error('not in this test')),
      close: async () => { closed.push(kind); },
    });
    assert.throws(() => createSignerRegistry([backend('software'), backend('software')]), /registered twice/);
    await createSignerRegistry([backend('software'), backend('pkcs11')]).close();
    assert.deepEqual(closed.sort(), ['pkcs11', 'software']);
  });
});

describe('stored key', () => {
  it('parses a PKCS #11 reference and refuses clear key bytes, unknown kinds and unbounded fields', () => {
    assert.deepEqual(parseStoredKey(pkcs11Key), pkcs11Key);
    const invalid: unknown[] = [
      { ...pkcs11Key, kind: 'vault' },
      { ...pkcs11Key, algorithm: 'DSA-1024' },
      { ...pkcs11Key, privateKey: 'MIGHAgEAMBMGByqGSM49' },
      { ...pkcs11Key, keyId: 'not hex' },
      { ...pkcs11Key, tokenLabel: 'x'.repeat(33) },
      { ...pkcs11Key, publicKey: 'A'.repeat(4096) },
      { kind: 'software', algorithm: 'ECDSA-P256', publicKey: 'MFkwEw', sealed: { v: 1 } },
    ];
    for (const value of invalid) assert.throws(() => parseStoredKey(value), refused('VALIDATION_FAILED', /the stored signing key is not valid/));
  });
});
