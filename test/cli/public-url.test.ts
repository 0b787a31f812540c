// The public URL relying parties reach Trustplane at: `init --public-url` (or TRUSTPLANE_PUBLIC_URL) writes
// it into the CA certificates, and `serve` warns once at start, on stderr, when its own public URL (the one
// the leaves it issues will carry) is another; served under the same URL, it says nothing of the kind.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { locateDatabase, openDatabase } from '../../src/server/db/database.ts';
import { databaseEnvFor, runCli } from '../support/cli-runner.ts';
import { databaseTargets } from '../support/databases.ts';
import { opensslOk } from '../support/openssl.ts';
import { trackedProcesses, waitFor } from '../support/processes.ts';

const { serve, killAll } = trackedProcesses();
after(killAll);

/** The URLs in the issuing CA's certificate, as openssl prints them. */
const issuingCaUrls = async (dataDir: string, databaseEnv: NodeJS.ProcessEnv, scratch: string): Promise<string> => {
  const database = await openDatabase(locateDatabase(dataDir, databaseEnv.TRUSTPLANE_DATABASE_URL || undefined));
  try {
    const issuing = await database.db.selectFrom('certificate_authorities').select('certificate').where('parent_id', 'is not', null).executeTakeFirstOrThrow();
    const file = join(scratch, 'issuing-ca.pem');
    writeFileSync(file, issuing.certificate);
    return opensslOk(['x509', '-in', file, '-noout', '-ext', 'authorityInfoAccess,crlDistributionPoints']);
  } finally {
    await database.close();
  }
};

for (const target of databaseTargets) {
  describe(`init's public URL and serve's, on ${target.name}`, { timeout: 120_000 }, () => {
    test('init --public-url writes it into the CA certificates; serve warns once under another URL, and not under the same', async () => {
      const empty = await target.createEmpty();
      try {
        const databaseEnv = databaseEnvFor(empty.location);
        const dataDir = join(empty.dataDir, 'data');
        const publicUrl = 'https://pki.acme.example:8443';
        const initialised = await runCli(['init', '--data-dir', dataDir, '--public-url', publicUrl], databaseEnv);
        assert.equal(initialised.code, 0, initialised.stderr);
        assert.ok(initialised.stdout.includes(`relying parties trust ${publicUrl}/pki/ca/internal-ca-root.crt`), initialised.stdout);
        assert.ok(initialised.stdout.includes(`--public-url ${publicUrl}`), 'the next step serves under the same URL');
        const urls = await issuingCaUrls(dataDir, databaseEnv, empty.dataDir);
        assert.ok(urls.includes(`CA Issuers - URI:${publicUrl}/pki/ca/internal-ca-root.crt`), urls);
        assert.ok(urls.includes(`URI:${publicUrl}/pki/crl/internal-ca-root.crl`), urls);

        // Under its own address (another port, another host), serve says what is wrong and what to do, once.
        const elsewhere = await serve(dataDir, databaseEnv);
        const warned = await waitFor('the public URL warning', () => (elsewhere.stderr().includes('warning:') ? elsewhere.stderr() : undefined), 10_000);
        assert.match(warned, new RegExp(`warning: the CA certificates point relying parties at ${publicUrl} \\(CA internal-ca\\), but this server's public URL is ${elsewhere.url}`));
        assert.ok(warned.includes(`--public-url ${publicUrl}`), warned);
        assert.equal(warned.split('warning:').length - 1, 1, 'warned once');
        await elsewhere.stop();

        const same = await serve(dataDir, { ...databaseEnv, TRUSTPLANE_PUBLIC_URL: publicUrl });
        // What a start writes comes before the server listens; give stderr a moment to arrive all the same.
        await new Promise((resolve) => setTimeout(resolve, 300));
        assert.equal(same.stderr(), '');
        await same.stop();
      } finally {
        await empty.drop();
      }
    });

    test('TRUSTPLANE_PUBLIC_URL is what init writes when no flag is given', async () => {
      const empty = await target.createEmpty();
      try {
        const databaseEnv = databaseEnvFor(empty.location);
        const dataDir = join(empty.dataDir, 'data');
        const initialised = await runCli(['init', '--data-dir', dataDir, '--json'], { ...databaseEnv, TRUSTPLANE_PUBLIC_URL: 'http://trust.acme.internal' });
        assert.equal(initialised.code, 0, initialised.stderr);
        const result = JSON.parse(initialised.stdout) as { publicUrl: string; ca: { certificateUrl: string } };
        assert.equal(result.publicUrl, 'http://trust.acme.internal');
        assert.equal(result.ca.certificateUrl, 'http://trust.acme.internal/pki/ca/internal-ca-root.crt');
        assert.ok((await issuingCaUrls(dataDir, databaseEnv, empty.dataDir)).includes('URI:http://trust.acme.internal/pki/crl/internal-ca-root.crl'));
      } finally {
        await empty.drop();
      }
    });
  });
}
