// The README's first command: `trustplane demo` sets up Acme Corp and serves it; a persona's token works.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { databaseTargets } from '../support/databases.ts';
import { cliPath, runCli } from '../support/cli-runner.ts';
import { locateDatabase, openDatabase } from '../../src/server/db/database.ts';
import { createServices } from '../../src/server/main.ts';

for (const target of databaseTargets) {
  describe(`trustplane demo on ${target.name}`, () => {
    let empty: Awaited<ReturnType<typeof target.createEmpty>>;
    let databaseEnv: NodeJS.ProcessEnv;
    before(async () => {
      empty = await target.createEmpty();
      databaseEnv = { TRUSTPLANE_DATABASE_URL: empty.location.kind === 'postgres' ? empty.location.url : '' };
    });
    after(() => empty.drop());

    test('sets up about 500 credentials of every kind, with expired, expiring, unclassified and orphaned ones', async () => {
      const dataDir = join(empty.dataDir, 'demo');
      const result = await runCli(['demo', '--no-serve', '--data-dir', dataDir, '--json'], databaseEnv);
      assert.equal(result.code, 0, result.stderr);
      const setup = JSON.parse(result.stdout);
      assert.ok(setup.credentials >= 450 && setup.credentials <= 550, `${setup.credentials} credentials`);
      assert.deepEqual(setup.tokens.map((persona: { principal: string }) => persona.principal), ['person:carol', 'person:dave', 'person:ivan', 'person:erin', 'person:gina', 'person:frank']);

      const database = await openDatabase(locateDatabase(dataDir, empty.location.kind === 'postgres' ? empty.location.url : undefined));
      try {
        const services = createServices(database);
        const list = (filter: Partial<Parameters<typeof services.inventory.list>[0]>) =>
          services.inventory.list({ sort: 'notAfter', descending: false, page: 1, pageSize: 1000, ...filter });
        const all = await list({});
        const kinds = new Set(all.items.map((credential) => credential.kind));
        for (const kind of ['x509_certificate', 'ssh_key', 'api_key', 'token', 'oauth_client_secret', 'password']) assert.ok(kinds.has(kind), `demo has ${kind}`);
        assert.ok((await list({ status: 'expired' })).total > 10, 'some are expired');
        assert.ok((await list({ expiringWithin: '30d' })).total > 10, 'some expire within 30 days');
        assert.ok((await list({ unclassified: true })).total > 10, 'some are unclassified');
        assert.ok((await list({ workloadId: 'legacy-reports', status: 'active' })).total > 5, 'some are still used by the decommissioned workload');
        const classes = (await services.governance.current())?.governance.classes.map((entry) => entry.id);
        for (const id of ['public-tls', 'internal-mtls', 'payments-api-keys', 'code-signing', 'ssh-access', 'agent-tokens']) {
          assert.ok(classes?.includes(id), `class ${id}`);
          assert.ok((await list({ classId: id })).total > 0, `class ${id} has credentials`);
        }
      } finally {
        await database.close();
      }
    });

    test('serves, prints a token per persona, and a persona can use the API', async () => {
      const dataDir = join(empty.dataDir, 'served');
      if (target.name === 'postgresql') {
        // The demo refuses a database that already holds governance, as it does here after the first test.
        const refused = await runCli(['demo', '--no-serve', '--data-dir', dataDir], databaseEnv);
        assert.equal(refused.code, 1);
        assert.match(refused.stderr, /already holds governance/);
        return;
      }
      const child = spawn(process.execPath, [cliPath, 'demo', '--data-dir', dataDir, '--port', '0'], { env: { ...process.env, ...databaseEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
      try {
        let output = '';
        await new Promise<void>((resolve, reject) => {
          child.stdout.on('data', (chunk: Buffer) => {
            output += chunk.toString();
            if (output.includes('Stop with Ctrl-C.')) resolve();
          });
          child.on('close', (code) => reject(new Error(`demo exited with ${code}: ${output}`)));
        });
        const url = /serving at (http:\/\/\S+)/.exec(output)?.[1];
        const token = /export FRANK=(tpat_\S+)/.exec(output)?.[1];
        assert.ok(url && token, output);
        const classes = await runCli(['classes', 'list'], { TRUSTPLANE_URL: url, TRUSTPLANE_TOKEN: token });
        assert.equal(classes.code, 0, classes.stderr);
        assert.match(classes.stdout, /payments-api-keys\s+api_key\s+person:frank/);
      } finally {
        child.kill('SIGTERM');
      }
    });
  });
}
