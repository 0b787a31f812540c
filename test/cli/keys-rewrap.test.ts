// Re-wrapping under a new master key, as an operator does it: after `keys rewrap` the data directory's
// master.key is new (mode 0600), the CA still signs (its keys open under the new key), and the old key
// opens nothing any more. With TRUSTPLANE_MASTER_KEY, the new key must be given.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openDatabase, locateDatabase } from '../../src/server/db/database.ts';
import { createUnitOfWork } from '../../src/server/db/unit-of-work.ts';
import { keyEncryptionKey, open, parseSealedValue } from '../../src/server/keys/key-envelope.ts';
import { buildOcspRequest, readOcspResponse } from '../../src/core/pki/ocsp-client.ts';
import { loadConfig } from '../../src/server/config/config.ts';
import { startServer } from '../../src/server/main.ts';
import { databaseTargets } from '../support/databases.ts';
import { initialisedDataDir, runCli } from '../support/cli-runner.ts';

for (const target of databaseTargets) {
  describe(`keys rewrap on ${target.name}`, () => {
    let initialised: Awaited<ReturnType<typeof initialisedDataDir>>;
    let databaseEnv: NodeJS.ProcessEnv;
    let dataDir: string;

    before(async () => {
      initialised = await initialisedDataDir(target);
      ({ databaseEnv, dataDir } = initialised);
    });
    after(() => initialised?.drop());

    /** The sealed CA keys as stored, each with the id of the key-encryption key it is sealed under. */
    const sealedKeys = async () => {
      const database = await openDatabase(locateDatabase(dataDir, databaseEnv.TRUSTPLANE_DATABASE_URL || undefined));
      try {
        const keys = await createUnitOfWork(database)((tx) => tx.ca.allKeys());
        return keys.map((key) => ({ id: key.id, sealed: parseSealedValue(JSON.parse(key.stored).sealed) }));
      } finally {
        await database.close();
      }
    };

    test('the CA keys move to a new master key; the old one opens nothing; the CA still signs', async () => {
      const keyFile = join(dataDir, 'master.key');
      const oldKey = keyEncryptionKey(Buffer.from(readFileSync(keyFile, 'utf8').trim(), 'base64'));
      const before = await sealedKeys();
      assert.equal(before.length, 3);
      assert.ok(before.every((key) => key.sealed.kek === oldKey.id));

      const rewrapped = await runCli(['keys', 'rewrap', '--data-dir', dataDir, '--json'], databaseEnv);
      assert.equal(rewrapped.code, 0, rewrapped.stderr);
      const summary = JSON.parse(rewrapped.stdout);
      assert.equal(summary.signingKeys, 3);
      assert.equal(summary.from, oldKey.id);
      assert.equal(statSync(keyFile).mode & 0o777, 0o600);
      const newKey = keyEncryptionKey(Buffer.from(readFileSync(keyFile, 'utf8').trim(), 'base64'));
      assert.equal(summary.to, newKey.id);

      const after = await sealedKeys();
      for (const [index, key] of after.entries()) {
        assert.equal(key.sealed.kek, newKey.id);
        assert.equal(key.sealed.ct, before[index]?.sealed.ct, 'the ciphertext is unchanged; only the data key is sealed again');
        assert.throws(() => open(oldKey, key.sealed, `signing-key:${key.id}`), /key-encryption key/);
        assert.ok(open(newKey, key.sealed, `signing-key:${key.id}`).length > 0);
      }
      // A server on the new key signs: its OCSP responder's key, sealed like the CA's, opens and answers.
      const server = await startServer(loadConfig({ dataDir, port: 0, logLevel: 'silent' }, databaseEnv));
      try {
        const issuing = Buffer.from(await (await fetch(`${server.url}/pki/ca/internal-ca.crt`)).arrayBuffer());
        const nonce = randomBytes(16);
        const answer = await fetch(`${server.url}/pki/ocsp/internal-ca`, {
          method: 'POST', headers: { 'content-type': 'application/ocsp-request' }, body: buildOcspRequest(issuing, issuing, nonce),
        });
        const read = readOcspResponse(Buffer.from(await answer.arrayBuffer()), issuing, issuing, nonce);
        assert.ok(read.ok, JSON.stringify(read));
        assert.equal(read.status, 'unknown', 'a signed answer about a serial this CA never issued');
      } finally {
        await server.close();
      }
    });

    test('with TRUSTPLANE_MASTER_KEY the new key must be given, and a key that does not fit is refused before anything changes', async () => {
      const current = readFileSync(join(dataDir, 'master.key'), 'utf8').trim();
      const env = { ...databaseEnv, TRUSTPLANE_MASTER_KEY: current };
      const refused = await runCli(['keys', 'rewrap', '--data-dir', dataDir], env);
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, /give it with --new-key-file/);
      const short = join(initialised.scratchDir, 'short.key');
      writeFileSync(short, randomBytes(16).toString('base64'));
      const wrongLength = await runCli(['keys', 'rewrap', '--data-dir', dataDir, '--new-key-file', short], env);
      assert.equal(wrongLength.code, 1);
      assert.doesNotMatch(wrongLength.stderr, new RegExp(readFileSync(short, 'utf8').slice(0, 12).replace(/[+/]/g, '.')));
      const next = join(initialised.scratchDir, 'next.key');
      writeFileSync(next, randomBytes(32).toString('base64'));
      const done = await runCli(['keys', 'rewrap', '--data-dir', dataDir, '--new-key-file', next, '--json'], env);
      assert.equal(done.code, 0, done.stderr);
      assert.equal(JSON.parse(done.stdout).to, keyEncryptionKey(Buffer.from(readFileSync(next, 'utf8'), 'base64')).id);
      assert.equal(readFileSync(join(dataDir, 'master.key'), 'utf8').trim(), current, 'the file is not the key in use; Trustplane leaves it alone');
    });
  });
}
