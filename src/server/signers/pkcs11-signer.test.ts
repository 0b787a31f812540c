// Runs against a real SoftHSM2 (Debian package softhsm2): each run makes its own tokens in a temporary
// directory. graphene loads the library into this process, so SOFTHSM2_CONF is set before the first load.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { refusedWith, signatureVerifies } from '../../../test/support/assertions.ts';
import { execFileSync } from 'node:child_process';
import { createPublicKey, verify } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Module } from 'graphene-pk11';
import type { PrivateKey } from 'graphene-pk11';
import { caKeyAlgorithms } from '../../core/pki/signer.ts';
import type { CaKeyAlgorithm, Signer } from '../../core/pki/signer.ts';
import { pkcs11SettingsFromEnv, pkcs11SignerBackend } from './pkcs11-signer.ts';
import { parseStoredKey, storedKeyOfKind } from './signer-backend.ts';
import type { StoredKey } from './signer-backend.ts';

const modulePath = '/usr/lib/softhsm/libsofthsm2.so';
const tokenLabel = 'trustplane-ca';
const lockedOutLabel = 'other-token';
const pin = '5678';
const settings = { modulePath, tokenLabel, pin };
const root = mkdtempSync(join(tmpdir(), 'trustplane-softhsm-'));

before(() => {
  mkdirSync(join(root, 'tokens'));
  const conf = join(root, 'softhsm2.conf');
  writeFileSync(conf, `directories.tokendir = ${join(root, 'tokens')}\nobjectstore.backend = file\nlog.level = ERROR\n`);
  process.env.SOFTHSM2_CONF = conf;
  for (const label of [tokenLabel, lockedOutLabel]) {
    execFileSync('softhsm2-util', ['--init-token', '--free', '--label', label, '--so-pin', '1234', '--pin', pin], { stdio: 'pipe' });
  }
});
after(() => rmSync(root, { recursive: true, force: true }));

const data = Buffer.from('tbsCertificate, as far as this test is concerned');

const verifies = (signer: Signer, stored: StoredKey, algorithm: CaKeyAlgorithm): Promise<boolean> => signatureVerifies(signer, stored.publicKey, algorithm, data);

const refused = refusedWith;

/** Reads a key's attributes through a session of the test's own, as another application would. */
const inspectPrivateKey = (keyId: string) => {
  const module = Module.load(modulePath);
  module.initialize();
  try {
    const slots = module.getSlots(true);
    // Slots come in no fixed order: SoftHSM2 numbers them by its token directory.
    const slot = Array.from({ length: slots.length }, (_, index) => slots.items(index)).find((candidate) => candidate.getToken().label === tokenLabel);
    assert.ok(slot !== undefined);
    const session = slot.open();
    session.login(pin);
    const found = session.find({ class: 3, id: Buffer.from(keyId, 'hex') });
    assert.equal(found.length, 1);
    const key = found.items(0).toType<PrivateKey>();
    const attributes = key.getAttribute({ token: null, private: null, sensitive: null, extractable: null, neverExtractable: null, sign: null });
    const read = (name: 'value' | 'privateExponent'): unknown => {
      try {
        return key.getAttribute({ [name]: null })[name];
      } catch (error) {
        return error instanceof Error ? error.message : error;
      }
    };
    return { attributes, value: read('value'), privateExponent: read('privateExponent') };
  } finally {
    module.finalize();
    module.close();
  }
};

describe('PKCS #11 signer backend on SoftHSM2', { timeout: 120_000 }, () => {
  const generated = new Map<CaKeyAlgorithm, StoredKey>();

  it('generates keys of every algorithm inside the token; what it signs verifies against the public key it built', async () => {
    const backend = pkcs11SignerBackend(settings);
    try {
      for (const algorithm of caKeyAlgorithms) {
        const { stored, signer } = await backend.generate({ algorithm, label: `Test CA ${algorithm}`, aad: `ca-key:${algorithm}` });
        const reference = storedKeyOfKind(stored, 'pkcs11');
        assert.equal(reference.tokenLabel, tokenLabel);
        assert.equal(reference.label, `Test CA ${algorithm}`);
        assert.match(reference.keyId, /^[0-9a-f]{32}$/);
        assert.deepEqual(parseStoredKey(JSON.parse(JSON.stringify(stored))), stored);
        assert.deepEqual(Buffer.from(signer.publicKey), Buffer.from(stored.publicKey, 'base64'));
        assert.ok(await verifies(signer, stored, algorithm), `${algorithm} signature verifies`);
        generated.set(algorithm, stored);
      }
    } finally {
      await backend.close();
    }
    const details = (algorithm: CaKeyAlgorithm) => createPublicKey({ key: Buffer.from(generated.get(algorithm)?.publicKey ?? '', 'base64'), format: 'der', type: 'spki' });
    assert.equal(details('ECDSA-P256').asymmetricKeyDetails?.namedCurve, 'prime256v1');
    assert.equal(details('ECDSA-P384').asymmetricKeyDetails?.namedCurve, 'secp384r1');
    assert.equal(details('Ed25519').asymmetricKeyType, 'ed25519');
    assert.equal(details('RSA-2048').asymmetricKeyDetails?.modulusLength, 2048);
    assert.equal(details('RSA-3072').asymmetricKeyDetails?.publicExponent, 65537n);
  });

  it('finds the keys again from a fresh backend (a new module load and session) and signs with them', async () => {
    const backend = pkcs11SignerBackend(settings);
    try {
      for (const [algorithm, stored] of generated) {
        const signer = await backend.load(stored, `ca-key:${algorithm}`);
        assert.equal(signer.keyAlgorithm, algorithm);
        assert.ok(await verifies(signer, stored, algorithm), `${algorithm} signature verifies after loading`);
      }
      // ECDSA signatures are DER Ecdsa-Sig-Value, as X.509 carries them.
      const p256 = await backend.load(generated.get('ECDSA-P256') as StoredKey, 'ca-key:ECDSA-P256');
      const signature = await p256.sign(data);
      assert.equal(signature[0], 0x30);
      assert.ok(verify('sha256', data, createPublicKey({ key: Buffer.from(p256.publicKey), format: 'der', type: 'spki' }), signature));
    } finally {
      await backend.close();
    }
  });

  it('keeps private keys sensitive and not extractable: their value cannot be read', () => {
    for (const algorithm of ['ECDSA-P256', 'RSA-2048'] as const) {
      const { attributes, value, privateExponent } = inspectPrivateKey(storedKeyOfKind(generated.get(algorithm) as StoredKey, 'pkcs11').keyId);
      assert.deepEqual(attributes, { token: true, private: true, sensitive: true, extractable: false, neverExtractable: true, sign: true });
      assert.equal(algorithm === 'RSA-2048' ? privateExponent : value, 'CKR_ATTRIBUTE_SENSITIVE');
    }
  });

  it('shares the module between backends: closing one leaves the other signing', async () => {
    const first = pkcs11SignerBackend(settings);
    const second = pkcs11SignerBackend(settings);
    const stored = generated.get('ECDSA-P256') as StoredKey;
    const signer = await second.load(stored, 'ca-key:ECDSA-P256');
    await first.close();
    assert.ok(await verifies(signer, stored, 'ECDSA-P256'));
    await second.close();
    await second.close();
    await assert.rejects(signer.sign(data), refused('NOT_READY', /backend for token "trustplane-ca" is closed/));
  });

  it('refuses keys it cannot vouch for: another token, an unknown CKA_ID, a public key on record that is not the key\'s', async () => {
    const backend = pkcs11SignerBackend(settings);
    try {
      const p256 = storedKeyOfKind(generated.get('ECDSA-P256') as StoredKey, 'pkcs11');
      const p384 = generated.get('ECDSA-P384') as StoredKey;
      await assert.rejects(backend.load({ ...p256, tokenLabel: 'elsewhere' }, 'x'), refused('NOT_READY', /is in the PKCS #11 token "elsewhere", but the configured token is "trustplane-ca"/));
      await assert.rejects(backend.load({ ...p256, keyId: '00'.repeat(16) }, 'x'), refused('NOT_READY', /holds no private key with CKA_ID 0{32}/));
      const other = await backend.generate({ algorithm: 'ECDSA-P256', label: 'Other', aad: 'x' });
      await assert.rejects(backend.load({ ...p256, publicKey: other.stored.publicKey }, 'x'), refused('INTERNAL', /does not match the public key on record/));
      await assert.rejects(backend.load({ ...p256, algorithm: 'RSA-2048', publicKey: p384.publicKey }, 'x'), refused('INTERNAL', /is not an RSA-2048 key/));
    } finally {
      await backend.close();
    }
  });

  it('says what is wrong with the module, the token label or the PIN', () => {
    assert.throws(() => pkcs11SignerBackend({ ...settings, modulePath: '/nonexistent/libpkcs11.so' }),
      refused('NOT_READY', /PKCS #11 module \/nonexistent\/libpkcs11\.so cannot be loaded \(.*No such file.*\); set TRUSTPLANE_PKCS11_MODULE/));
    assert.throws(() => pkcs11SignerBackend({ ...settings, tokenLabel: 'no-such-token' }),
      refused('NOT_READY', /no token labelled "no-such-token" .*: its tokens are labelled "(trustplane-ca|other-token)", "(trustplane-ca|other-token)"; check TRUSTPLANE_PKCS11_TOKEN/));
    const wrongPin = '0000-wrong';
    assert.throws(() => pkcs11SignerBackend({ ...settings, tokenLabel: lockedOutLabel, pin: wrongPin }), (error: unknown) => {
      assert.ok(refused('NOT_READY', /token "other-token" refused the PIN \(CKR_PIN_INCORRECT\); check TRUSTPLANE_PKCS11_PIN/)(error));
      assert.ok(error instanceof Error && !error.message.includes(wrongPin));
      return true;
    });
    // Nothing stays loaded after a refusal: a correct configuration still works.
    const backend = pkcs11SignerBackend({ ...settings, tokenLabel: lockedOutLabel });
    return backend.close();
  });
});

describe('PKCS #11 settings from the environment', () => {
  const complete = { TRUSTPLANE_PKCS11_MODULE: modulePath, TRUSTPLANE_PKCS11_TOKEN: tokenLabel, TRUSTPLANE_PKCS11_PIN: 'secret-pin' };

  it('are none when no variable is set, and all three when all are', () => {
    assert.equal(pkcs11SettingsFromEnv({}), null);
    assert.equal(pkcs11SettingsFromEnv({ TRUSTPLANE_PKCS11_PIN: '' }), null);
    assert.deepEqual(pkcs11SettingsFromEnv(complete), { modulePath, tokenLabel, pin: 'secret-pin' });
  });

  it('are refused when only some are set, or one is malformed, without echoing the PIN', () => {
    assert.throws(() => pkcs11SettingsFromEnv({ TRUSTPLANE_PKCS11_MODULE: modulePath }),
      refused('VALIDATION_FAILED', /only in part: TRUSTPLANE_PKCS11_MODULE is set, TRUSTPLANE_PKCS11_TOKEN and TRUSTPLANE_PKCS11_PIN not/));
    assert.throws(() => pkcs11SettingsFromEnv({ ...complete, TRUSTPLANE_PKCS11_TOKEN: undefined }),
      refused('VALIDATION_FAILED', /TRUSTPLANE_PKCS11_MODULE and TRUSTPLANE_PKCS11_PIN are set, TRUSTPLANE_PKCS11_TOKEN not/));
    assert.throws(() => pkcs11SettingsFromEnv({ ...complete, TRUSTPLANE_PKCS11_MODULE: 'libsofthsm2.so' }), refused('VALIDATION_FAILED', /absolute path/));
    assert.throws(() => pkcs11SettingsFromEnv({ ...complete, TRUSTPLANE_PKCS11_TOKEN: 'x'.repeat(33) }), refused('VALIDATION_FAILED', /at most 32 bytes/));
    const longPin = 'p'.repeat(256);
    assert.throws(() => pkcs11SettingsFromEnv({ ...complete, TRUSTPLANE_PKCS11_PIN: longPin }), (error: unknown) => {
      assert.ok(refused('VALIDATION_FAILED', /TRUSTPLANE_PKCS11_PIN is at most 255/)(error));
      assert.ok(error instanceof Error && !error.message.includes(longPin.slice(0, 20)));
      return true;
    });
  });
});
