import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { TrustplaneError } from '../../core/errors.ts';
import { secureRandom } from '../platform.ts';
import { keyEncryptionKey } from './key-envelope.ts';
import { generateMasterKey, loadMasterKey, masterKeyFileName, writeMasterKeyFile } from './master-key.ts';

const root = mkdtempSync(join(tmpdir(), 'trustplane-master-key-'));
after(() => rmSync(root, { recursive: true, force: true }));
let count = 0;
const freshDataDir = (): string => {
  const dir = join(root, `data-${count++}`);
  mkdirSync(dir);
  return dir;
};

const refused = (code: string, pattern: RegExp, mustNotContain: readonly string[] = []) => (error: unknown) => {
  assert.ok(error instanceof TrustplaneError, `expected a TrustplaneError, got ${String(error)}`);
  assert.equal(error.code, code);
  assert.match(error.message, pattern);
  for (const secret of mustNotContain) assert.ok(!error.message.includes(secret), 'the error echoes the key');
  return true;
};

describe('master key from TRUSTPLANE_MASTER_KEY', () => {
  const key = randomBytes(32);

  it('accepts base64 and hex of 32 bytes, ahead of any file', () => {
    const dataDir = freshDataDir();
    writeMasterKeyFile(join(dataDir, masterKeyFileName), generateMasterKey(secureRandom));
    for (const text of [key.toString('base64'), key.toString('hex'), `${key.toString('base64')}\n`, key.toString('base64url')]) {
      const loaded = loadMasterKey({ env: { TRUSTPLANE_MASTER_KEY: text }, dataDir, create: false });
      assert.equal(loaded.origin, 'environment');
      assert.equal(loaded.path, undefined);
      assert.deepEqual(loaded.kek, keyEncryptionKey(key));
    }
  });

  it('refuses a wrong length, a wrong alphabet or an empty value, naming the variable and never echoing the value', () => {
    const dataDir = freshDataDir();
    const cases: Array<[string, RegExp]> = [
      [randomBytes(16).toString('base64'), /TRUSTPLANE_MASTER_KEY decodes as base64 to 16 bytes; it must be exactly 32/],
      [randomBytes(33).toString('hex'), /TRUSTPLANE_MASTER_KEY decodes as hex to 33 bytes/],
      [randomBytes(31).toString('hex').toUpperCase(), /TRUSTPLANE_MASTER_KEY decodes as hex to 31 bytes/],
      [randomBytes(48).toString('base64'), /TRUSTPLANE_MASTER_KEY decodes as base64 to 48 bytes/],
      [`${key.toString('base64').slice(0, 20)}!?${key.toString('base64').slice(22)}`, /TRUSTPLANE_MASTER_KEY is neither base64 nor hex/],
      ['', /TRUSTPLANE_MASTER_KEY is empty/],
    ];
    for (const [text, pattern] of cases) {
      assert.throws(() => loadMasterKey({ env: { TRUSTPLANE_MASTER_KEY: text }, dataDir, create: true }),
        refused('VALIDATION_FAILED', pattern, text === '' ? [] : [text, text.slice(0, 12)]));
    }
  });
});

describe('master key file', () => {
  it('is created with mode 0600 when asked to, and read back the same afterwards', () => {
    const dataDir = join(freshDataDir(), 'not-yet');
    const created = loadMasterKey({ env: {}, dataDir, create: true });
    const path = join(dataDir, masterKeyFileName);
    assert.equal(created.origin, 'file');
    assert.equal(created.path, path);
    assert.equal(statSync(path).mode & 0o777, 0o600);
    assert.match(readFileSync(path, 'utf8'), /^[A-Za-z0-9+/]{43}=\n$/);
    const again = loadMasterKey({ env: {}, dataDir, create: true });
    assert.deepEqual(again.kek, created.kek, 'an existing key is kept, not replaced');
    assert.deepEqual(loadMasterKey({ env: {}, dataDir, create: false }).kek, created.kek);
  });

  it('is refused when others may read it, telling how to fix it', () => {
    const dataDir = freshDataDir();
    const path = join(dataDir, masterKeyFileName);
    writeMasterKeyFile(path, generateMasterKey(secureRandom));
    chmodSync(path, 0o644);
    assert.throws(() => loadMasterKey({ env: {}, dataDir, create: true }), refused('VALIDATION_FAILED', /has mode 0644.*chmod 600/));
    chmodSync(path, 0o640);
    assert.throws(() => loadMasterKey({ env: {}, dataDir, create: false }), refused('VALIDATION_FAILED', /has mode 0640/));
    chmodSync(path, 0o600);
    assert.equal(loadMasterKey({ env: {}, dataDir, create: false }).origin, 'file');
  });

  it('is refused when it is a symbolic link, a directory or not a key', () => {
    const linked = freshDataDir();
    const target = join(root, `elsewhere-${count++}.key`);
    writeMasterKeyFile(target, generateMasterKey(secureRandom));
    symlinkSync(target, join(linked, masterKeyFileName));
    assert.throws(() => loadMasterKey({ env: {}, dataDir: linked, create: true }), refused('VALIDATION_FAILED', /symbolic link/));

    const directory = freshDataDir();
    mkdirSync(join(directory, masterKeyFileName), { mode: 0o700 });
    assert.throws(() => loadMasterKey({ env: {}, dataDir: directory, create: true }), refused('VALIDATION_FAILED', /not a regular file/));

    const short = freshDataDir();
    writeFileSync(join(short, masterKeyFileName), `${randomBytes(24).toString('base64')}\n`, { mode: 0o600 });
    assert.throws(() => loadMasterKey({ env: {}, dataDir: short, create: true }), refused('VALIDATION_FAILED', /decodes as base64 to 24 bytes/));
  });

  it('is missing and not to be created: NOT_READY, saying to run init or set the variable', () => {
    const dataDir = freshDataDir();
    assert.throws(() => loadMasterKey({ env: {}, dataDir, create: false }),
      refused('NOT_READY', /no master key: TRUSTPLANE_MASTER_KEY is not set and .*master\.key does not exist; run `trustplane init`.*set TRUSTPLANE_MASTER_KEY/));
  });

  it('is never overwritten unless replacing is asked for', () => {
    const path = join(freshDataDir(), masterKeyFileName);
    const first = generateMasterKey(secureRandom);
    const second = generateMasterKey(secureRandom);
    writeMasterKeyFile(path, first);
    assert.throws(() => writeMasterKeyFile(path, second), refused('CONFLICT', /already exists/));
    assert.equal(readFileSync(path, 'utf8').trim(), first.key.toString('base64'));
    writeMasterKeyFile(path, second, { replace: true });
    assert.equal(readFileSync(path, 'utf8').trim(), second.key.toString('base64'));
    assert.equal(statSync(path).mode & 0o777, 0o600);
  });
});
