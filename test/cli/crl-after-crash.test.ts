// A revocation reaches the CRL even when the server dies between its commit and the CRL's publication.
// `trustplane serve` runs with the test-only hook that holds the publication after commit, a playbook
// revokes a certificate, and the server is killed with SIGKILL once the revocation has committed; the CRL
// then still lacks the serial. Started again, the server publishes it from the outbox within seconds
// (not at the scheduled refresh hours later), and `openssl crl` lists the serial.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { locateDatabase, openDatabase } from '../../src/server/db/database.ts';
import type { Database } from '../../src/server/db/database.ts';
import { demoGovernance } from '../../src/server/demo/demo-governance.ts';
import { crlPublishHoldMs } from '../../src/server/services/crl-publication.ts';
import { fullTokensFor, initialisedDataDir, personaCommands, runCli } from '../support/cli-runner.ts';
import { databaseTargets } from '../support/databases.ts';
import { opensslCsr, opensslOk } from '../support/openssl.ts';
import { killHard, trackedProcesses, waitFor } from '../support/processes.ts';

const people = ['gina', 'dave', 'erin'] as const;
type Person = (typeof people)[number];

const { serve, killAll } = trackedProcesses();
after(killAll);

/** The serials `openssl crl` lists in the CRL the server serves now, as openssl prints them. */
const servedSerials = async (url: string, file: string): Promise<string[]> => {
  const response = await fetch(`${url}/pki/crl/internal-ca.crl`);
  assert.equal(response.status, 200);
  writeFileSync(file, Buffer.from(await response.arrayBuffer()));
  const text = opensslOk(['crl', '-inform', 'DER', '-in', file, '-noout', '-text']);
  return [...text.matchAll(/Serial Number: ([0-9A-F]+)/g)].map((match) => match[1] as string);
};

const crlPublishMessages = (database: Database) =>
  database.db.selectFrom('outbox').select(['seq', 'delivered_at']).where('topic', '=', 'crl.publish').execute();

for (const target of databaseTargets) {
  describe(`a revocation outlives a crash before its CRL is published, on ${target.name}`, { timeout: 180_000 }, () => {
    test('killed after the commit, the next server publishes the CRL from the outbox within seconds', async () => {
      const initialised = await initialisedDataDir(target);
      const { databaseEnv, dataDir, scratchDir } = initialised;
      const database = await openDatabase(locateDatabase(dataDir, databaseEnv.TRUSTPLANE_DATABASE_URL || undefined));
      try {
        // A long tick: this server's own outbox sweep must not publish before the kill.
        const first = await serve(dataDir, { ...databaseEnv, TRUSTPLANE_TEST_ONLY_HOLD_CRL_PUBLICATION: '1', TRUSTPLANE_SCHEDULER_TICK: '10m' });
        const env: NodeJS.ProcessEnv = { ...databaseEnv, TRUSTPLANE_URL: first.url, TRUSTPLANE_TOKEN: initialised.token };
        writeFileSync(join(scratchDir, 'governance.yaml'), demoGovernance(new Date()));
        const applied = await runCli(['apply', '-f', join(scratchDir, 'governance.yaml')], env);
        assert.equal(applied.code, 0, applied.stderr);
        const tokens = await fullTokensFor(people, env);
        const { as, json } = personaCommands<Person>(() => env, tokens);

        const { csr } = opensslCsr(scratchDir, 'orders', { newkey: ['ec', '-pkeyopt', 'ec_paramgen_curve:P-256'], subject: '/CN=orders.svc.acme.internal', sans: ['DNS:orders.svc.acme.internal'] });
        const requested = await json('gina', ['changes', 'request', 'issue', '--class', 'internal-mtls', '--csr', csr, '--workload', 'payments-api', '--reason', 'orders service goes live']);
        await json('dave', ['changes', 'approve', requested.id]);
        const executed = await as('gina', ['changes', 'execute', requested.id]);
        assert.equal(executed.code, 0, executed.stderr + executed.stdout);
        const credential = /New credential: (cr_[0-9a-f]+)/.exec(executed.stdout)?.[1] as string;
        const issued = await database.db.selectFrom('issued_certificates').select('serial').where('credential_id', '=', credential).executeTakeFirstOrThrow();
        // openssl prints the serial's magnitude in upper case, without the sign octet DER may add.
        const serial = issued.serial.toUpperCase().replace(/^(00)+/, '');
        const crlFile = join(scratchDir, 'internal-ca.crl');
        assert.ok(!(await servedSerials(first.url, crlFile)).includes(serial), 'not revoked yet');
        const crlsBefore = await database.db.selectFrom('crls').select('crl_number').where('ca_id', '=', 'internal-ca').execute();

        // The revocation's request hangs on the held publication; it is cut off when the server dies.
        const invoking = as('erin', ['playbooks', 'invoke', 'key-compromise', '--credential', credential, '--trigger', 'key_compromise', '--reason', 'key pasted into a chat']);
        await waitFor('the revocation to commit', async () => ((await crlPublishMessages(database)).length > 0 ? true : undefined));
        await killHard(first.process);
        const cutOff = await invoking;
        assert.notEqual(cutOff.code, 0, 'the request died with the server');

        const revoked = await database.db.selectFrom('issued_certificates').select('revoked_at').where('serial', '=', issued.serial).executeTakeFirstOrThrow();
        assert.notEqual(revoked.revoked_at, null, 'the revocation committed');
        assert.deepEqual(await database.db.selectFrom('crls').select('crl_number').where('ca_id', '=', 'internal-ca').execute(), crlsBefore, 'no CRL was published before the kill');
        assert.ok((await crlPublishMessages(database)).every((message) => message.delivered_at === null), 'the CRL publication is still pending');

        const restartedAt = Date.now();
        const second = await serve(dataDir, { ...databaseEnv, TRUSTPLANE_SCHEDULER_TICK: '200ms' });
        await waitFor('the CRL to list the revoked serial', async () => ((await servedSerials(second.url, crlFile)).includes(serial) ? true : undefined), 60_000);
        const tookMs = Date.now() - restartedAt;
        // The committing node's hold on the message, then a tick of the dispatcher; a generous margin for a loaded machine.
        assert.ok(tookMs < crlPublishHoldMs + 20_000, `published ${tookMs} ms after the restart`);
        assert.ok((await crlPublishMessages(database)).every((message) => message.delivered_at !== null), 'the outbox message is delivered');
        await second.stop();
      } finally {
        await database.close();
        await killAll();
        await initialised.drop();
      }
    });
  });
}
