import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { refusedWith, signatureVerifies } from '../../../test/support/assertions.ts';
import { createPrivateKey, randomBytes } from 'node:crypto';
import { caKeyAlgorithms } from '../../core/pki/signer.ts';
import type { CaKeyAlgorithm, Signer } from '../../core/pki/signer.ts';
import { keyEncryptionKey, open } from '../keys/key-envelope.ts';
import { parseStoredKey, storedKeyOfKind } from './signer-backend.ts';
import { softwareSignerBackend } from './software-signer.ts';

const kek = keyEncryptionKey(randomBytes(32));
const data = Buffer.from('tbsCertificate, as far as this test is concerned');

const verifies = (signer: Signer, publicKeyBase64: string, algorithm: CaKeyAlgorithm): Promise<boolean> => signatureVerifies(signer, publicKeyBase64, algorithm, data);

const refused = refusedWith;

describe('software signer backend', () => {
  for (const algorithm of caKeyAlgorithms) {
    it(`generates an ${algorithm} key that is stored sealed and signs verifiably once loaded again`, async () => {
      const aad = `ca-key:ca_${algorithm}`;
      const { stored, signer } = await softwareSignerBackend({ kek }).generate({ algorithm, label: 'Test CA', aad });
      assert.equal(stored.kind, 'software');
      assert.equal(stored.algorithm, algorithm);
      assert.equal(signer.keyAlgorithm, algorithm);
      assert.deepEqual(Buffer.from(signer.publicKey), Buffer.from(stored.publicKey, 'base64'));

      const json = JSON.stringify(stored);
      const pkcs8 = open(kek, storedKeyOfKind(stored, 'software').sealed, aad);
      // The private scalar (EC), seed (Ed25519) or private exponent (RSA): the part of the key that is secret.
      const jwk = createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' }).export({ format: 'jwk' });
      const secret = Buffer.from(jwk.d ?? '', 'base64url');
      assert.ok(secret.length >= 32);
      assert.ok(!json.includes('PRIVATE KEY'));
      assert.ok(!json.includes(pkcs8.toString('base64')) && !json.includes(secret.toString('hex')));
      // Base64 at each of the three byte alignments, so no stretch of the secret hides in the JSON.
      for (const offset of [0, 1, 2]) {
        const stretch = secret.subarray(offset, offset + 24);
        for (const text of [stretch.toString('base64'), stretch.toString('base64url')]) {
          assert.ok(!json.includes(text), `the stored key holds private key bytes in clear (offset ${offset})`);
        }
      }

      assert.ok(await verifies(signer, stored.publicKey, algorithm));
      const loaded = await softwareSignerBackend({ kek }).load(parseStoredKey(JSON.parse(json)), aad);
      assert.deepEqual(loaded.publicKey, signer.publicKey);
      assert.ok(await verifies(loaded, stored.publicKey, algorithm));
    });
  }

  it('refuses to load a key for another purpose, under another master key, or with another public key on record', async () => {
    const backend = softwareSignerBackend({ kek });
    const { stored } = await backend.generate({ algorithm: 'ECDSA-P256', label: 'Test CA', aad: 'ca-key:ca_1' });
    await assert.rejects(backend.load(stored, 'ca-key:ca_2'), refused('INTERNAL', /"ca-key:ca_2" failed authentication/));
    const stranger = softwareSignerBackend({ kek: keyEncryptionKey(randomBytes(32)) });
    await assert.rejects(stranger.load(stored, 'ca-key:ca_1'), refused('NOT_READY', new RegExp(`sealed under key-encryption key ${kek.id}`)));
    const other = await backend.generate({ algorithm: 'ECDSA-P256', label: 'Other CA', aad: 'ca-key:ca_1' });
    await assert.rejects(backend.load({ ...stored, publicKey: other.stored.publicKey }, 'ca-key:ca_1'), refused('INTERNAL', /does not match the public key on record/));
    await assert.rejects(backend.load({ ...stored, algorithm: 'ECDSA-P384' }, 'ca-key:ca_1'), refused('INTERNAL', /not an ECDSA-P384 key/));
  });

  it('refuses a key of another kind', async () => {
    const stored = { kind: 'pkcs11' as const, algorithm: 'ECDSA-P256' as const, publicKey: 'AAAA', tokenLabel: 'ca', keyId: '01', label: 'ca' };
    await assert.rejects(softwareSignerBackend({ kek }).load(stored, 'ca-key:ca_1'), refused('INTERNAL', /"pkcs11" key was given to the "software" signer backend/));
  });
});
